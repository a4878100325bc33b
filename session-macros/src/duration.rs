//! `lifetime = "1d12h"`: durations with units s, m, h, d, w.

/// Parses a lifetime into seconds. Errors say what is wrong.
pub(crate) fn parse_lifetime(text: &str) -> Result<u64, String> {
    const HINT: &str =
        "write a number followed by a unit (s, m, h, d, w), e.g. \"31d\" or \"1d12h\"";
    if text.is_empty() {
        return Err(format!("`lifetime` is empty; {HINT}"));
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            c if c.is_whitespace() => {
                return Err(format!("`lifetime = {text:?}` contains a space; {HINT}"));
            }
            other => {
                return Err(format!(
                    "`lifetime = {text:?}` has an unknown unit `{other}`; {HINT}"
                ));
            }
        };
        if digits.is_empty() {
            return Err(format!(
                "`lifetime = {text:?}` has a unit `{c}` without a number; {HINT}"
            ));
        }
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("`lifetime = {text:?}` is too large"))?;
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("`lifetime = {text:?}` is too large"))?;
        digits.clear();
    }
    if !digits.is_empty() {
        return Err(format!(
            "`lifetime = {text:?}` ends with a number without a unit; {HINT}"
        ));
    }
    if total == 0 {
        return Err(format!(
            "`lifetime = {text:?}` is zero: every cookie would be expired at once; use a positive duration like \"31d\""
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_lifetime;

    #[test]
    fn units_and_compounds() {
        assert_eq!(parse_lifetime("31d"), Ok(31 * 86_400));
        assert_eq!(parse_lifetime("1d12h"), Ok(86_400 + 12 * 3600));
        assert_eq!(parse_lifetime("2w3m4s"), Ok(2 * 604_800 + 180 + 4));
        // Each error says which rule the text breaks.
        for (bad, says) in [
            ("", "is empty"),
            ("31", "ends with a number without a unit"),
            ("d", "a unit `d` without a number"),
            ("1y", "an unknown unit `y`"),
            ("0s", "is zero"),
            ("0d0h", "is zero"),
            ("1 d", "contains a space"),
            ("1\td", "contains a space"),
            ("99999999999999999999s", "is too large"),
            ("999999999999999w", "is too large"),
        ] {
            let err = parse_lifetime(bad).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
    }
}
