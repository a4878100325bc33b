//! Python's `str.encode("idna")`: IDNA 2003 (RFC 3490 `ToASCII` with the
//! nameprep profile of RFC 3491), which Werkzeug applies to a cookie's
//! `Domain`.
//!
//! It differs from today's IDNA (UTS #46, what the `idna` crate does) in
//! ways that change the domain a browser receives: `straße.de` becomes
//! `strasse.de` (not `xn--strae-oqa.de`), `ς` becomes `σ`, the joiners
//! U+200C/U+200D are dropped, and the full stops `。` `．` `｡` separate
//! labels. ASCII labels keep their case; others are case-folded.
//!
//! The stringprep tables come from the `stringprep` crate, normalisation
//! from `unicode-normalization`, Punycode from `idna`. Like Python, and
//! unlike a strict nameprep, code points unassigned in Unicode 3.2 are not
//! refused. For those code points alone the output can differ from
//! Python's: Python case-folds and normalises them with its own Unicode
//! version's data (and a second folding pass), this module with Rust's.

use unicode_normalization::UnicodeNormalization as _;

use stringprep::tables;

/// Why Python's codec refuses a domain (it raises `UnicodeError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IdnaError {
    /// A label that is empty (other than a final one) or longer than 63
    /// bytes once encoded.
    LabelLength,
    /// A character nameprep prohibits (spaces, controls, private use, ...).
    Prohibited(char),
    /// Right-to-left text that breaks RFC 3454's bidi rules.
    Bidi,
    /// A non-ASCII label that nameprep turns into one starting with `xn--`.
    AcePrefix,
}

/// `domain.encode("idna").decode("ascii")`.
pub(crate) fn to_ascii(domain: &str) -> Result<String, IdnaError> {
    if domain.is_ascii() {
        // Python's fast path: the whole name as it is, after a length check
        // of each label (the last may be empty: a trailing dot).
        let labels: Vec<&str> = domain.split('.').collect();
        let (last, rest) = labels.split_last().unwrap_or((&"", &[]));
        if rest.iter().any(|l| l.is_empty() || l.len() > 63) || last.len() > 63 {
            return Err(IdnaError::LabelLength);
        }
        return Ok(domain.to_owned());
    }
    let mut labels: Vec<&str> = domain
        .split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}'])
        .collect();
    let trailing_dot = labels.len() > 1 && labels.last() == Some(&"");
    if trailing_dot {
        labels.pop();
    }
    let mut out = String::with_capacity(domain.len() + 8);
    for (i, label) in labels.into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&label_to_ascii(label)?);
    }
    if trailing_dot {
        out.push('.');
    }
    Ok(out)
}

/// RFC 3490 `ToASCII` for one label, as Python's `encodings.idna.ToASCII`.
fn label_to_ascii(label: &str) -> Result<String, IdnaError> {
    let checked = |l: String| {
        if l.is_empty() || l.len() > 63 {
            Err(IdnaError::LabelLength)
        } else {
            Ok(l)
        }
    };
    if label.is_ascii() {
        return checked(label.to_owned());
    }
    let prepared = nameprep(label)?;
    if prepared.is_ascii() {
        return checked(prepared);
    }
    if prepared.starts_with("xn--") {
        return Err(IdnaError::AcePrefix);
    }
    let encoded = idna::punycode::encode_str(&prepared).ok_or(IdnaError::LabelLength)?;
    checked(format!("xn--{encoded}"))
}

/// Table B.2 (case folding for NFKC) as Python's `stringprep.map_table_b2`
/// computes it: RFC 3454's table, and for a character that table leaves
/// alone, its lower case. The two differ for the 126 characters that gained
/// a lower case after Unicode 3.2 (Georgian Asomtavruli, Cherokee, `Ӏ`,
/// `Ⅎ`, `Ↄ`), which Python folds; checked against CPython 3.11 for every
/// code point that Unicode 3.2 assigned.
fn fold(c: char, out: &mut String) {
    let mut rfc = tables::case_fold_for_nfkc(c);
    match (rfc.next(), rfc.next()) {
        (Some(only), None) if only == c => out.extend(c.to_lowercase()),
        (first, second) => out.extend(first.into_iter().chain(second).chain(rfc)),
    }
}

/// RFC 3491 nameprep as Python's `encodings.idna.nameprep` does it: map
/// (B.1 to nothing, B.2 case folding), NFKC, prohibit (C.1.2, C.2.2, C.3 to
/// C.9), check bidi (D.1, D.2); unassigned code points are allowed.
fn nameprep(label: &str) -> Result<String, IdnaError> {
    let mut mapped = String::with_capacity(label.len());
    for c in label.chars() {
        if !tables::commonly_mapped_to_nothing(c) {
            fold(c, &mut mapped);
        }
    }
    let prepared: String = mapped.nfkc().collect();
    let prohibited = |c: char| {
        tables::non_ascii_space_character(c)
            || tables::non_ascii_control_character(c)
            || tables::private_use(c)
            || tables::non_character_code_point(c)
            || tables::surrogate_code(c)
            || tables::inappropriate_for_plain_text(c)
            || tables::inappropriate_for_canonical_representation(c)
            || tables::change_display_properties_or_deprecated(c)
            || tables::tagging_character(c)
    };
    if let Some(c) = prepared.chars().find(|&c| prohibited(c)) {
        return Err(IdnaError::Prohibited(c));
    }
    if prepared.chars().any(tables::bidi_r_or_al) {
        let first = prepared.chars().next().is_some_and(tables::bidi_r_or_al);
        let last = prepared
            .chars()
            .next_back()
            .is_some_and(tables::bidi_r_or_al);
        if prepared.chars().any(tables::bidi_l) || !first || !last {
            return Err(IdnaError::Bidi);
        }
    }
    Ok(prepared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_idna_codec_outputs() {
        // Each expected value is `x.encode("idna")` in CPython 3.11.
        for (domain, ascii) in [
            ("bücher.example", "xn--bcher-kva.example"),
            ("Bücher.Example", "xn--bcher-kva.Example"),
            ("straße.de", "strasse.de"),
            ("ΣΊΣΥΦΟΣ.gr", "xn--kxa6akbbkh.gr"),
            ("ς.gr", "xn--4xa.gr"),
            ("a\u{200D}ü.com", "xn--a-eha.com"),
            ("ＥＸＡＭＰＬＥ.com", "example.com"),
            ("bücher。example", "xn--bcher-kva.example"),
            ("bücher.example.", "xn--bcher-kva.example."),
            ("Example.COM", "Example.COM"),
            ("sub.example.org.", "sub.example.org."),
            ("☃.net", "xn--n3h.net"),
            // Lower case added after Unicode 3.2; Python folds it anyway.
            ("Ꭰ.com", "xn--kz9a.com"),
            ("\u{10A0}.ge", "xn--rkj.ge"),
            // U+3000 folds to an ASCII space, which nameprep allows.
            ("a\u{3000}ü.com", "xn--a -yka.com"),
            ("ü.xn--abc", "xn--tda.xn--abc"),
            ("ü.", "xn--tda."),
            ("\u{05D0}1\u{05D1}.com", "xn--1-zhce.com"),
        ] {
            assert_eq!(to_ascii(domain).as_deref(), Ok(ascii), "{domain}");
        }
        for (domain, error) in [
            ("a..b", IdnaError::LabelLength),
            ("ü..b", IdnaError::LabelLength),
            (&*format!("{}.com", "a".repeat(64)), IdnaError::LabelLength),
            (&*format!("ü{}.com", "a".repeat(60)), IdnaError::LabelLength),
            (".ü", IdnaError::LabelLength),
            ("xn--ü.com", IdnaError::AcePrefix),
            ("\u{E000}ü.com", IdnaError::Prohibited('\u{E000}')),
            ("\u{05D0}a\u{05D0}.com", IdnaError::Bidi),
            ("\u{05D0}1.com", IdnaError::Bidi),
        ] {
            assert_eq!(to_ascii(domain), Err(error), "{domain}");
        }
    }

    #[test]
    fn every_prohibited_table_refuses() {
        // One character of each of nameprep's tables (C.1.2 to C.9; C.5,
        // the surrogates, cannot occur in a Rust string); CPython 3.11
        // refuses each with "Invalid character".
        for c in [
            '\u{1680}',  // C.1.2 non-ASCII space
            '\u{2028}',  // C.2.2 non-ASCII control
            '\u{85}',    // C.2.2
            '\u{E000}',  // C.3 private use
            '\u{FDD0}',  // C.4 non-character
            '\u{FFFD}',  // C.6 inappropriate for plain text
            '\u{2FF0}',  // C.7 inappropriate for canonical representation
            '\u{200E}',  // C.8 change display properties
            '\u{202A}',  // C.8
            '\u{E0001}', // C.9 tagging
        ] {
            let domain = format!("a{c}\u{fc}.com");
            assert_eq!(to_ascii(&domain), Err(IdnaError::Prohibited(c)), "{c:?}");
        }
    }

    #[test]
    fn labels_of_63_bytes_pass_and_64_do_not() {
        // CPython 3.11, as above: 63 bytes is the longest label, first or
        // last, ASCII or encoded.
        let a = |n| "a".repeat(n);
        for domain in [
            format!("{}.com", a(63)),
            format!("com.{}", a(63)),
            format!("{}.", a(63)),
        ] {
            assert_eq!(to_ascii(&domain).as_deref(), Ok(&*domain));
        }
        assert_eq!(
            to_ascii(&format!("\u{fc}{}.com", a(55))),
            Ok(format!("xn--{}-oxf.com", a(55)))
        );
        for domain in [
            format!("{}.com", a(64)),
            format!("com.{}", a(64)),
            format!("\u{fc}{}.com", a(56)),
            format!("com.\u{fc}{}", a(56)),
        ] {
            assert_eq!(to_ascii(&domain), Err(IdnaError::LabelLength), "{domain}");
        }
    }
}
