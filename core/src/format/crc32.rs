//! CRC-32/ISO-HDLC (the zlib / PNG CRC: reflected polynomial `0xEDB88320`, initial value and
//! final XOR `0xFFFFFFFF`) four bits at a time: a 16-entry table (64 bytes of flash, built at
//! compile time) and two look-ups per byte. Smaller than the bitwise loop that the `crc`
//! crate's `NoTable` unrolls (≈ 1.3 KB on a Cortex-M4F; this is ≈ 0.2 KB) and faster: loading
//! the 448-byte iris Gaussian blob went from 34 591 to 27 203 instructions on a Cortex-M4F
//! (`firmware/README.md`). A 256-entry table would cost 1 KB.

/// The reflected CRC-32 polynomial.
const POLY: u32 = 0xEDB8_8320;

/// `TABLE[n]`: the CRC register after shifting the nibble `n` through four bit steps.
const TABLE: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut n = 0;
    while n < 16 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 == 1 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[n] = c;
        n += 1;
    }
    t
};

/// CRC-32/ISO-HDLC of `bytes` without `bytes[skip..skip + 4]` (a blob's CRC field). One loop,
/// not inlined: one small copy however many callers.
#[inline(never)]
pub(crate) fn crc32_skipping(bytes: &[u8], skip: usize) -> u32 {
    let mut crc = !0u32;
    for (i, &b) in bytes.iter().enumerate() {
        if i.wrapping_sub(skip) < 4 {
            continue;
        }
        crc ^= b as u32;
        crc = (crc >> 4) ^ TABLE[(crc & 15) as usize];
        crc = (crc >> 4) ^ TABLE[(crc & 15) as usize];
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::crc32_skipping as crc;

    #[test]
    fn check_values() {
        // The catalogue check value of CRC-32/ISO-HDLC, zlib's crc32 of a pangram, and the same
        // with four bytes inserted and skipped.
        assert_eq!(crc(b"123456789", 9), 0xCBF4_3926);
        assert_eq!(crc(b"1234xxxx56789", 4), 0xCBF4_3926);
        assert_eq!(crc(b"", 0), 0);
        let fox = b"The quick brown fox jumps over the lazy dog";
        assert_eq!(crc(fox, fox.len()), 0x414F_A339);
    }
}
