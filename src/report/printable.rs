//! Terminal safety: every string that came from a capture, a table or a summary file is
//! passed through [`printable`] before it is written where a person reads it.

/// Whether a character could change how a terminal shows what follows it: control
/// characters (escape sequences, carriage returns, backspaces) and the invisible
/// direction and width marks that can make text read differently from what it is.
fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Escapes control characters and direction marks (as `\u{1b}`, `\n`, ...) so names
/// from tables, packets or file names cannot drive or disguise the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(is_unsafe_char) {
        text.chars()
            .map(|c| {
                if is_unsafe_char(c) {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}
