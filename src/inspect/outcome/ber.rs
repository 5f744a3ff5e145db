//! A tiny, bounded BER/DER reader for Kerberos and LDAP (\[X.690\] 8.1): identifier octets
//! (class, constructed bit, tag numbers up to four continuation octets), definite lengths
//! in short or long form (up to four length octets; the indefinite form is refused), and
//! TLVs that borrow their value from the input. Reading never allocates; the text helpers
//! allocate at most [`MAX_NAME`](super::text::MAX_NAME) bytes.

use super::text;

/// Why a TLV could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BerError {
    /// The input ends inside the identifier, the length or the value.
    #[error("the input ends inside a BER element")]
    Truncated,
    /// The indefinite length form (0x80), which DER and these protocols do not use.
    #[error("indefinite BER length")]
    Indefinite,
    /// A long-form length of more than four octets.
    #[error("BER length of more than four octets")]
    LengthTooLong,
    /// A tag number of more than four continuation octets.
    #[error("BER tag number too large")]
    TagTooLong,
}

/// The class of a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Universal (INTEGER, OCTET STRING, SEQUENCE, ...).
    Universal,
    /// Application-wide (Kerberos message types, LDAP protocol operations).
    Application,
    /// Context-specific (`[n]` fields of a SEQUENCE or CHOICE).
    Context,
    /// Private.
    Private,
}

/// Universal tag numbers used here.
pub mod universal {
    /// BOOLEAN.
    pub const BOOLEAN: u32 = 1;
    /// INTEGER.
    pub const INTEGER: u32 = 2;
    /// BIT STRING.
    pub const BIT_STRING: u32 = 3;
    /// OCTET STRING.
    pub const OCTET_STRING: u32 = 4;
    /// OBJECT IDENTIFIER.
    pub const OID: u32 = 6;
    /// ENUMERATED.
    pub const ENUMERATED: u32 = 10;
    /// SEQUENCE and SEQUENCE OF.
    pub const SEQUENCE: u32 = 16;
    /// SET and SET OF.
    pub const SET: u32 = 17;
    /// GeneralString (KerberosString, Realm).
    pub const GENERAL_STRING: u32 = 27;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u32 = 24;
}

/// The identifier and length of an element, before its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Tag class.
    pub class: Class,
    /// Whether the value is a sequence of elements.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// Bytes of identifier and length octets.
    pub header_len: usize,
    /// Bytes of value.
    pub len: usize,
}

impl Header {
    /// Bytes of the whole element.
    pub fn total_len(&self) -> usize {
        self.header_len.saturating_add(self.len)
    }
}

/// Reads the identifier and length at the start of `input` (the value need not be there:
/// framing uses this to know how long a message will be).
pub fn header(input: &[u8]) -> Result<Header, BerError> {
    let &first = input.first().ok_or(BerError::Truncated)?;
    let class = match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    };
    let constructed = first & 0x20 != 0;
    let mut at = 1;
    let mut tag = u32::from(first & 0x1f);
    if tag == 0x1f {
        tag = 0;
        for i in 0.. {
            if i == 4 {
                return Err(BerError::TagTooLong);
            }
            let &b = input.get(at).ok_or(BerError::Truncated)?;
            at += 1;
            tag = tag << 7 | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let &len_byte = input.get(at).ok_or(BerError::Truncated)?;
    at += 1;
    let len = if len_byte < 0x80 {
        usize::from(len_byte)
    } else if len_byte == 0x80 {
        return Err(BerError::Indefinite);
    } else {
        let n = usize::from(len_byte & 0x7f);
        if n > 4 {
            return Err(BerError::LengthTooLong);
        }
        let octets = input.get(at..at + n).ok_or(BerError::Truncated)?;
        at += n;
        octets.iter().fold(0usize, |l, &b| l << 8 | usize::from(b))
    };
    Ok(Header {
        class,
        constructed,
        tag,
        header_len: at,
        len,
    })
}

/// One element, its value borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Tag class.
    pub class: Class,
    /// Whether the value is a sequence of elements.
    pub constructed: bool,
    /// Tag number.
    pub tag: u32,
    /// The value octets.
    pub value: &'a [u8],
}

/// Reads the element at the start of `input`; returns it and the bytes after it.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), BerError> {
    let h = header(input)?;
    let end = h.header_len.checked_add(h.len).ok_or(BerError::Truncated)?;
    let value = input.get(h.header_len..end).ok_or(BerError::Truncated)?;
    let rest = input.get(end..).ok_or(BerError::Truncated)?;
    Ok((
        Tlv {
            class: h.class,
            constructed: h.constructed,
            tag: h.tag,
            value,
        },
        rest,
    ))
}

/// Reads the one element `input` holds (trailing bytes are ignored).
pub fn read_one(input: &[u8]) -> Option<Tlv<'_>> {
    read(input).ok().map(|(t, _)| t)
}

/// The elements of a constructed value, in order; stops at the first that cannot be read.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Tlv<'a>;

    fn next(&mut self) -> Option<Tlv<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        match read(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(tlv)
            }
            Err(_) => {
                self.rest = &[];
                None
            }
        }
    }
}

impl<'a> Tlv<'a> {
    /// Whether the element has this class and tag number.
    pub fn is(&self, class: Class, tag: u32) -> bool {
        self.class == class && self.tag == tag
    }

    /// Whether the element is the universal SEQUENCE.
    pub fn is_sequence(&self) -> bool {
        self.constructed && self.is(Class::Universal, universal::SEQUENCE)
    }

    /// The elements inside a constructed value (none for a primitive one).
    pub fn children(&self) -> Children<'a> {
        Children {
            rest: if self.constructed { self.value } else { &[] },
        }
    }

    /// The first child with context tag `[n]`.
    pub fn context(&self, n: u32) -> Option<Tlv<'a>> {
        self.children().find(|c| c.is(Class::Context, n))
    }

    /// The element inside an explicit tag: the single child of a constructed element.
    pub fn inner(&self) -> Option<Tlv<'a>> {
        self.children().next()
    }

    /// The element inside the explicit context tag `[n]` of this SEQUENCE.
    pub fn field(&self, n: u32) -> Option<Tlv<'a>> {
        self.context(n)?.inner()
    }

    /// The value as a two's-complement INTEGER or ENUMERATED of at most eight octets.
    pub fn integer(&self) -> Option<i64> {
        let v = self.value;
        if self.constructed || v.is_empty() || v.len() > 8 {
            return None;
        }
        let negative = v[0] & 0x80 != 0;
        let init: i64 = if negative { -1 } else { 0 };
        Some(v.iter().fold(init, |n, &b| n << 8 | i64::from(b)))
    }

    /// The value as printable text (UTF-8; OCTET STRING, GeneralString, KerberosString,
    /// LDAPString), at most [`MAX_NAME`](text::MAX_NAME) bytes.
    pub fn text(&self) -> String {
        text::from_utf8(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_tags_and_integers() {
        // [APPLICATION 30] constructed, long-form length 0x81 0x03, an INTEGER inside.
        let bytes = [0x7e, 0x81, 0x03, 0x02, 0x01, 0x34, 0xff];
        let (t, rest) = read(&bytes).unwrap();
        assert_eq!(
            (t.class, t.constructed, t.tag),
            (Class::Application, true, 30)
        );
        assert_eq!(rest, &[0xff]);
        assert_eq!(t.inner().unwrap().integer(), Some(0x34));
        // Negative and wide integers.
        assert_eq!(read_one(&[0x02, 0x01, 0x85]).unwrap().integer(), Some(-123));
        assert_eq!(
            read_one(&[0x02, 0x02, 0xff, 0x79]).unwrap().integer(),
            Some(-135)
        );
        assert_eq!(
            read_one(&[0x02, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9])
                .unwrap()
                .integer(),
            None
        );
        // High tag numbers and bad lengths.
        assert_eq!(header(&[0x9f, 0x81, 0x01, 0x00]).unwrap().tag, 129);
        assert_eq!(
            header(&[0x9f, 0x81, 0x81, 0x81, 0x81, 0x01, 0]),
            Err(BerError::TagTooLong)
        );
        assert_eq!(header(&[0x30, 0x80]), Err(BerError::Indefinite));
        assert_eq!(
            header(&[0x30, 0x85, 1, 1, 1, 1, 1]),
            Err(BerError::LengthTooLong)
        );
        assert_eq!(
            read(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            Err(BerError::Truncated)
        );
        assert_eq!(header(&[0x30, 0x84, 0, 0, 1, 0]).unwrap().total_len(), 262);
    }

    #[test]
    fn children_and_context_fields() {
        // SEQUENCE { [0] INTEGER 5, [1] GeneralString "EXAMPLE" }
        let mut bytes = vec![
            0x30, 0x10, 0xa0, 0x03, 0x02, 0x01, 0x05, 0xa1, 0x09, 0x1b, 0x07,
        ];
        bytes.extend(b"EXAMPLE");
        let seq = read_one(&bytes).unwrap();
        assert!(seq.is_sequence());
        assert_eq!(seq.children().count(), 2);
        assert_eq!(seq.field(0).unwrap().integer(), Some(5));
        assert_eq!(seq.field(1).unwrap().text(), "EXAMPLE");
        assert!(seq.field(2).is_none());
        // Cut anywhere: never a panic, and fields are whole or missing.
        for cut in 0..bytes.len() {
            if let Some(t) = read_one(&bytes[..cut]) {
                let _ = t.children().count();
            }
            let partial = Tlv {
                class: Class::Universal,
                constructed: true,
                tag: 16,
                value: &bytes[2..cut.max(2)],
            };
            assert!(partial.children().count() <= 2);
        }
    }
}
