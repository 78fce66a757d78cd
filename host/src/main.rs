#[allow(dead_code)] // used by the CLI once it lands; exercised by its tests meanwhile
mod plot;

fn main() {}
