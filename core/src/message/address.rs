//! Email addresses with an optional display name.

use std::fmt;
use std::str::FromStr;

use super::encoding::decode_words;
use crate::{Error, Result};

/// An email address with an optional display name, such as `Jane Doe <jane@example.com>`.
///
/// Parse one with [`Address::parse`] (or `str::parse`, `TryFrom<&str>`); [`Display`]
/// prints the RFC 5322 form, quoting the name where needed, so printing and parsing again
/// gives the same address.
///
/// [`Display`]: fmt::Display
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Address {
    /// The address itself (`jane@example.com`), without angle brackets.
    pub address: String,
    /// The display name (`Jane Doe`), decoded, without quotes.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub name: Option<String>,
}

impl Address {
    /// Creates an address from its parts, without validating them.
    ///
    /// Sending or serialising a message checks every address and fails with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) on a bad one; use
    /// [`Address::parse`] to check user input early.
    pub fn new(name: Option<impl Into<String>>, address: impl Into<String>) -> Self {
        Address {
            name: name.map(Into::into),
            address: address.into(),
        }
    }

    /// Parses `jane@example.com`, `Jane Doe <jane@example.com>`,
    /// `"Doe, Jane" <jane@example.com>` or `<jane@example.com>`.
    ///
    /// RFC 2047 encoded words in an unquoted name are decoded. Fails with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty string,
    /// anything that is not one address, or any CR, LF or NUL character.
    pub fn parse(s: &str) -> Result<Address> {
        if s.contains(['\r', '\n', '\0']) {
            return Err(Error::invalid_input(
                "address must not contain CR, LF or NUL characters",
            ));
        }
        let t = s.trim();
        if t.is_empty() {
            return Err(Error::invalid_input("empty address"));
        }
        let bad = || Error::invalid_input(format!("not a valid email address: {t:?}"));

        if let Some(inner) = t.strip_suffix('>') {
            let lt = last_unquoted(inner, '<').ok_or_else(bad)?;
            let address = inner[lt + 1..].trim();
            let phrase = inner[..lt].trim();
            if !is_valid_address(address) {
                return Err(bad());
            }
            let name = if phrase.is_empty() {
                None
            } else {
                Some(parse_phrase(phrase).ok_or_else(bad)?)
            };
            return Ok(Address {
                name: name.filter(|n| !n.is_empty()),
                address: address.to_string(),
            });
        }
        if !is_valid_address(t) {
            return Err(bad());
        }
        Ok(Address {
            name: None,
            address: t.to_string(),
        })
    }

    /// Parses a comma-separated list of addresses (`a@x.org, "Doe, Jane" <j@y.org>`); commas
    /// inside quotes or angle brackets do not split. Empty items are skipped, so an empty
    /// string gives an empty list; any bad item fails the whole list with
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput).
    pub fn parse_list(s: &str) -> Result<Vec<Address>> {
        if s.contains(['\r', '\n', '\0']) {
            return Err(Error::invalid_input(
                "address list must not contain CR, LF or NUL characters",
            ));
        }
        let mut out = Vec::new();
        for item in split_unquoted(s, ',') {
            if !item.trim().is_empty() {
                out.push(Address::parse(item)?);
            }
        }
        Ok(out)
    }

    /// Fails with [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) if the name or
    /// the address holds CR, LF or NUL, or the address is not a valid address.
    pub(crate) fn validate(&self) -> Result<()> {
        let has_ctl = |s: &str| s.contains(['\r', '\n', '\0']);
        if has_ctl(&self.address) || self.name.as_deref().is_some_and(has_ctl) {
            return Err(Error::invalid_input(
                "address must not contain CR, LF or NUL characters",
            ));
        }
        if !is_valid_address(&self.address) {
            return Err(Error::invalid_input(format!(
                "not a valid email address: {:?}",
                self.address
            )));
        }
        Ok(())
    }
}

/// The byte index of the last `needle` outside double quotes.
fn last_unquoted(s: &str, needle: char) -> Option<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    let mut found = None;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if in_quotes && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        } else if !in_quotes && c == needle {
            found = Some(i);
        }
    }
    found
}

/// Splits at `sep` outside double quotes and angle brackets.
fn split_unquoted(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quotes = false;
    let mut escaped = false;
    let mut in_angle = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if in_quotes => escaped = true,
            '"' if !in_angle => in_quotes = !in_quotes,
            '<' if !in_quotes => in_angle = true,
            '>' if !in_quotes => in_angle = false,
            _ if c == sep && !in_quotes && !in_angle => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `name` with every control character (CR, LF, NUL, TAB, ESC, …) replaced by a space: a
/// display name is one line of text, whatever an encoded word decoded to.
pub(crate) fn sanitize_name(name: &str) -> std::borrow::Cow<'_, str> {
    if name.chars().any(char::is_control) {
        name.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .into()
    } else {
        name.into()
    }
}

/// `address` without control characters (folding left in a parsed header, say).
pub(crate) fn sanitize_address(address: &str) -> std::borrow::Cow<'_, str> {
    if address.chars().any(char::is_control) {
        address
            .chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .into()
    } else {
        address.into()
    }
}

/// Turns a display-name phrase into the name: quoted parts are unquoted, unquoted parts have
/// RFC 2047 words decoded. `None` for unbalanced quotes or stray angle brackets.
fn parse_phrase(phrase: &str) -> Option<String> {
    let mut out = String::new();
    let mut plain = String::new();
    let mut chars = phrase.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push_str(&decode_words(plain.as_bytes()));
                plain.clear();
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => out.push(chars.next()?),
                        other => out.push(other),
                    }
                }
            }
            '<' | '>' => return None,
            other => plain.push(other),
        }
    }
    out.push_str(&decode_words(plain.as_bytes()));
    Some(sanitize_name(&out).trim().to_string())
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control())
}

/// The inside of a quoted local part (RFC 5322 qcontent and quoted-pairs): a `"` only as
/// `\"`, a `\` only before another character, no control character.
fn is_quoted_content(inner: &str) -> bool {
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let c = if c == '\\' {
            match chars.next() {
                Some(escaped) => escaped,
                None => return false,
            }
        } else if c == '"' {
            return false;
        } else {
            c
        };
        if c.is_control() {
            return false;
        }
    }
    true
}

/// A pragmatic check of `local@domain`: dot-atom or quoted local part, a domain name (IDN
/// allowed) or an address literal.
pub(crate) fn is_valid_address(a: &str) -> bool {
    let Some((local, domain)) = a.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || domain.is_empty() {
        return false;
    }
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        is_quoted_content(&local[1..local.len() - 1])
    } else {
        local.chars().all(|c| is_atext(c) || c == '.')
            && !local.starts_with('.')
            && !local.ends_with('.')
    };
    let domain_ok = if domain.starts_with('[') && domain.ends_with(']') {
        // An address literal as SMTP writes one (RFC 5321 4.1.3: `[192.0.2.1]`,
        // `[IPv6:2001:db8::1]`, `[tag:content]`): letters, digits, `.`, `:` and `-`. RFC 5322
        // allows more, but `<`, `>`, `"` and the like inside would not read back from
        // `name <address>`.
        domain.len() > 2
            && domain[1..domain.len() - 1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-'))
    } else {
        domain.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    };
    local_ok && domain_ok
}

/// True when a display name must be quoted to survive a round trip.
fn name_needs_quotes(name: &str) -> bool {
    name.is_empty()
        || name.starts_with(' ')
        || name.ends_with(' ')
        || name.contains("  ")
        || name.contains("=?")
        || !name.chars().all(|c| is_atext(c) || c == ' ')
}

impl fmt::Display for Address {
    /// `Jane Doe <jane@example.com>`, `"Doe, Jane" <jane@example.com>`, or just
    /// `jane@example.com` when there is no name. Control characters (CR, LF, NUL, …) are
    /// never printed: in the name they become spaces, in the address they are left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let address = sanitize_address(&self.address);
        match self.name.as_deref().map(sanitize_name) {
            None => f.write_str(&address),
            Some(name) if name_needs_quotes(&name) => {
                f.write_str("\"")?;
                for c in name.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                write!(f, "\" <{address}>")
            }
            Some(name) => write!(f, "{name} <{address}>"),
        }
    }
}

impl FromStr for Address {
    type Err = Error;

    /// Same as [`Address::parse`].
    fn from_str(s: &str) -> Result<Self> {
        Address::parse(s)
    }
}

impl TryFrom<&str> for Address {
    type Error = Error;

    /// Same as [`Address::parse`].
    fn try_from(s: &str) -> Result<Self> {
        Address::parse(s)
    }
}

impl TryFrom<String> for Address {
    type Error = Error;

    /// Same as [`Address::parse`].
    fn try_from(s: String) -> Result<Self> {
        Address::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn a(name: Option<&str>, address: &str) -> Address {
        Address::new(name, address)
    }

    #[test]
    fn parses_the_usual_forms() {
        assert_eq!(Address::parse("a@b.org").ok(), Some(a(None, "a@b.org")));
        assert_eq!(
            Address::parse("  <a@b.org> ").ok(),
            Some(a(None, "a@b.org"))
        );
        assert_eq!(
            Address::parse("Jane Doe <jane@example.com>").ok(),
            Some(a(Some("Jane Doe"), "jane@example.com"))
        );
        assert_eq!(
            Address::parse("\"Doe, Jane\" <jane@example.com>").ok(),
            Some(a(Some("Doe, Jane"), "jane@example.com"))
        );
        assert_eq!(
            Address::parse(r#""say \"hi\" \\ ok" <x@y.z>"#).ok(),
            Some(a(Some(r#"say "hi" \ ok"#), "x@y.z"))
        );
        assert_eq!(
            Address::parse("=?utf-8?q?J=C3=BCrgen?= <j@x.de>").ok(),
            Some(a(Some("Jürgen"), "j@x.de"))
        );
        assert_eq!(
            Address::parse("Jürgen Müller <jürgen@bücher.de>").ok(),
            Some(a(Some("Jürgen Müller"), "jürgen@bücher.de"))
        );
        assert_eq!(
            Address::parse("\"<tricky>\" <t@x.io>").ok(),
            Some(a(Some("<tricky>"), "t@x.io"))
        );
        assert_eq!("a@b.org".parse::<Address>().ok(), Some(a(None, "a@b.org")));
        assert!(Address::try_from("a@b.org").is_ok());
        assert!(Address::try_from(String::from("x <a@b.org>")).is_ok());
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "   ",
            "foo",
            "@b.org",
            "a@",
            "a@b..org",
            "Jane <a@b.org",
            "Jane a@b.org>",
            "<a@b.org> trailing",
            "a b@c.org",
            "a@b.org, c@d.org",
            "\"unbalanced <a@b.org>",
            "a@b.org\r\nBcc: x@y.z",
            "Jane\n <a@b.org>",
            "a@b\0.org",
            "<>",
        ] {
            let err = Address::parse(bad).err();
            assert_eq!(
                err.map(|e| e.kind()),
                Some(ErrorKind::InvalidInput),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn parses_lists_respecting_quotes() {
        let list = Address::parse_list("a@b.org, \"Doe, Jane\" <j@x.io>,Bob <bob@y.net>, ").ok();
        assert_eq!(
            list,
            Some(vec![
                a(None, "a@b.org"),
                a(Some("Doe, Jane"), "j@x.io"),
                a(Some("Bob"), "bob@y.net"),
            ])
        );
        assert_eq!(Address::parse_list("").ok(), Some(vec![]));
        assert!(Address::parse_list("a@b.org, nonsense").is_err());
        assert!(Address::parse_list("a@b.org,\r\nc@d.org").is_err());
    }

    #[test]
    fn display_quotes_when_needed_and_round_trips() {
        assert_eq!(a(None, "a@b.org").to_string(), "a@b.org");
        assert_eq!(
            a(Some("Jane Doe"), "j@x.io").to_string(),
            "Jane Doe <j@x.io>"
        );
        assert_eq!(
            a(Some("Doe, Jane"), "j@x.io").to_string(),
            "\"Doe, Jane\" <j@x.io>"
        );
        assert_eq!(
            a(Some("Jürgen Müller"), "j@x.de").to_string(),
            "Jürgen Müller <j@x.de>"
        );
        for addr in [
            a(Some("Doe, Jane"), "j@x.io"),
            a(Some(r#"say "hi" \ ok"#), "j@x.io"),
            a(Some("=?utf-8?q?not_encoded?="), "j@x.io"),
            a(Some("Dr. Who (the)"), "who@tardis.space"),
            a(None, "plain@x.io"),
        ] {
            assert_eq!(Address::parse(&addr.to_string()).ok(), Some(addr));
        }
    }

    #[test]
    fn names_never_carry_line_breaks_and_display_never_prints_them() {
        // An encoded word may decode to anything; the name is one line all the same.
        let a = Address::parse("=?utf-8?q?Eve=0D=0ABcc:_x@y.org=00?= <eve@x.org>").unwrap();
        assert_eq!(a.name.as_deref(), Some("Eve  Bcc: x@y.org"));
        assert_eq!(a.to_string(), "\"Eve  Bcc: x@y.org\" <eve@x.org>");
        assert_eq!(Address::parse(&a.to_string()).ok(), Some(a));
        // Built by hand, printed safely.
        let raw = Address::new(Some("Eve\r\nBcc: x@y.org\0"), "eve@x.org\r\n");
        let shown = raw.to_string();
        assert!(!shown.contains(['\r', '\n', '\0']), "{shown:?}");
        assert_eq!(shown, "\"Eve  Bcc: x@y.org \" <eve@x.org>");
        assert_eq!(
            Address::new(None::<String>, "a@b\n.org").to_string(),
            "a@b.org"
        );
    }

    #[test]
    fn validate_catches_injection() {
        assert!(a(Some("x\r\nBcc: y@z.io"), "a@b.org").validate().is_err());
        assert!(a(None, "a@b.org\r\n").validate().is_err());
        assert!(a(None, "not an address").validate().is_err());
        assert!(a(Some("ok"), "a@b.org").validate().is_ok());
    }

    #[test]
    fn address_literals_are_what_smtp_writes() {
        for ok in [
            "a@[192.0.2.1]",
            "a@[IPv6:2001:db8::1]",
            "postmaster@[tag:x-1]",
        ] {
            assert!(is_valid_address(ok), "{ok}");
            let named = a(Some("N"), ok);
            assert_eq!(Address::parse(&named.to_string()).unwrap(), named);
        }
        // Found by the address_roundtrip fuzzer: `<` in a literal did not read back from
        // `"@[" <*@[<*]>`.
        for bad in ["*@[<*]", "a@[1.2.3.4>]", "a@[\"x\"]", "a@[]", "a@[a b]"] {
            assert!(!is_valid_address(bad), "{bad}");
        }
    }
}
