//! Text from packets, made safe and small: every string the outcome parsers build from
//! input is decoded here (UTF-8, UTF-16LE, OEM), cut to [`MAX_NAME`] bytes, and has its
//! control characters and invisible direction marks replaced, so that a crafted account
//! or share name can neither drive a terminal nor grow without bound.

/// The most bytes of text kept from any one name, path or message.
pub const MAX_NAME: usize = 256;

/// The most items kept in any list built from input (name components, encryption types,
/// presentation contexts, compounded messages, ...).
pub const MAX_ITEMS: usize = 16;

/// What replaces a character that could drive or disguise a terminal.
pub const REPLACEMENT: char = '\u{fffd}';

/// Whether a character could change how a terminal shows what follows it: control
/// characters (escape sequences, carriage returns, backspaces) and the invisible
/// direction and width marks that can make text read differently from what it is.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Whether a string is already what [`printable`] makes: no unsafe character and at most
/// [`MAX_NAME`] bytes.
pub fn is_printable(s: &str) -> bool {
    s.len() <= MAX_NAME && !s.chars().any(is_unsafe)
}

/// `text` with every unsafe character replaced by [`REPLACEMENT`], cut at a character
/// boundary to at most [`MAX_NAME`] bytes.
pub fn printable(text: &str) -> String {
    push_chars(text.chars())
}

/// Collects characters into a printable string of at most [`MAX_NAME`] bytes.
fn push_chars(chars: impl Iterator<Item = char>) -> String {
    let mut out = String::new();
    for c in chars {
        let c = if is_unsafe(c) { REPLACEMENT } else { c };
        if out.len() + c.len_utf8() > MAX_NAME {
            break;
        }
        out.push(c);
    }
    out
}

/// UTF-8 bytes (invalid sequences replaced) as printable text.
pub fn from_utf8(bytes: &[u8]) -> String {
    // Four bytes per character at most: looking further could not add to the result.
    let bytes = &bytes[..bytes.len().min(4 * MAX_NAME)];
    push_chars(String::from_utf8_lossy(bytes).chars())
}

/// UTF-16LE bytes (an odd last byte ignored, unpaired surrogates replaced) as printable
/// text.
pub fn from_utf16le(bytes: &[u8]) -> String {
    let bytes = &bytes[..bytes.len().min(4 * MAX_NAME)];
    let units = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]));
    push_chars(char::decode_utf16(units).map(|r| r.unwrap_or(REPLACEMENT)))
}

/// Bytes in an OEM code page as printable text: ASCII as it is, the upper half (whose
/// meaning depends on the code page) as Latin-1.
pub fn from_oem(bytes: &[u8]) -> String {
    push_chars(bytes.iter().take(MAX_NAME).map(|&b| char::from(b)))
}

/// The bytes up to the first NUL (all of them when there is none).
pub fn until_nul(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..end]
}

/// The UTF-16LE units up to the first NUL unit (an even number of bytes).
pub fn until_nul16(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .chunks_exact(2)
        .position(|c| c == [0, 0])
        .map_or(bytes.len() & !1, |i| 2 * i);
    &bytes[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_are_replaced_and_length_bounded() {
        assert_eq!(printable("ok\\name"), "ok\\name");
        assert_eq!(printable("evil\u{1b}[2J"), "evil\u{fffd}[2J");
        assert_eq!(printable("a\u{202e}b\nc"), "a\u{fffd}b\u{fffd}c");
        let long = "é".repeat(MAX_NAME);
        let cut = printable(&long);
        assert!(cut.len() <= MAX_NAME && cut.chars().all(|c| c == 'é'));
        assert!(is_printable(&cut) && !is_printable("x\u{7}"));
    }

    #[test]
    fn encodings_decode_within_bounds() {
        let utf16: Vec<u8> = "Ünïcode\\share"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(from_utf16le(&utf16), "Ünïcode\\share");
        // An unpaired surrogate and an odd trailing byte.
        assert_eq!(from_utf16le(&[0x41, 0, 0x00, 0xd8, 0x42]), "A\u{fffd}");
        assert_eq!(from_oem(b"DOMAIN\xe9"), "DOMAIN\u{e9}");
        assert_eq!(from_utf8(b"bad\xff\x07"), "bad\u{fffd}\u{fffd}");
        assert_eq!(until_nul(b"abc\0def"), b"abc");
        assert_eq!(until_nul16(&[0x61, 0, 0, 0, 0x62, 0]), &[0x61, 0]);
        assert_eq!(until_nul16(&[0x61, 0, 0x62]), &[0x61, 0]);
        assert!(from_utf16le(&vec![0x41; 100_000]).len() <= MAX_NAME);
    }
}
