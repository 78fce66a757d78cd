#[allow(dead_code, unused_imports)]
// used by the CLI once it lands; exercised by its tests meanwhile
mod plot;

fn main() {}
