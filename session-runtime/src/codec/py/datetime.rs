//! [`DateTime`]: Python's aware `datetime` as Flask's `" d"` tag carries it.

use std::fmt;

use crate::codec::py::int;

/// A date and time with a UTC offset, in whole seconds, within Python's year
/// range 1–9999: what Flask's `" d"` tag stores.
///
/// Flask writes it as an HTTP date in UTC (`Tue, 02 Jan 2024 03:04:05 GMT`),
/// dropping microseconds, and reads it back with an RFC 2822 parser that keeps
/// a numeric offset (`+0530`) without converting. Equality compares the local
/// fields *and* the offset.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::DateTime;
///
/// let dt = DateTime::from_unix(1_700_000_000).unwrap();
/// assert_eq!(dt.http_date().unwrap(), "Tue, 14 Nov 2023 22:13:20 GMT");
/// let ist = DateTime::new(2024, 1, 2, 3, 4, 5, 19_800).unwrap();
/// assert_eq!(ist.http_date().unwrap(), "Mon, 01 Jan 2024 21:34:05 GMT");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    offset: i32,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl DateTime {
    /// A datetime from local fields and a UTC offset in seconds; `None` when
    /// Python's `datetime` would reject it (year outside 1–9999, invalid day,
    /// hour ≥ 24, ..., or `|offset|` ≥ 24 h).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// let dt = DateTime::new(2024, 2, 29, 23, 59, 59, -3600).unwrap();
    /// assert_eq!((dt.year(), dt.month(), dt.day()), (2024, 2, 29));
    /// assert!(DateTime::new(2023, 2, 29, 0, 0, 0, 0).is_none()); // not a leap year
    /// assert!(DateTime::new(2024, 1, 1, 0, 0, 0, 86_400).is_none()); // |offset| ≥ 24 h
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        minute: i64,
        second: i64,
        offset_seconds: i64,
    ) -> Option<DateTime> {
        if !(1..=9999).contains(&year)
            || !(1..=12).contains(&month)
            || !(0..24).contains(&hour)
            || !(0..60).contains(&minute)
            || !(0..60).contains(&second)
            || offset_seconds.abs() >= 86_400
        {
            return None;
        }
        if day < 1 || day > days_in_month(year, month) {
            return None;
        }
        Some(DateTime {
            year: u16::try_from(year).ok()?,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
            hour: u8::try_from(hour).ok()?,
            minute: u8::try_from(minute).ok()?,
            second: u8::try_from(second).ok()?,
            offset: i32::try_from(offset_seconds).ok()?,
        })
    }

    /// The UTC datetime of a Unix timestamp (seconds); `None` outside years
    /// 1–9999.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// let epoch = DateTime::from_unix(0).unwrap();
    /// assert_eq!((epoch.year(), epoch.month(), epoch.day()), (1970, 1, 1));
    /// assert_eq!(epoch.offset_seconds(), 0);
    /// assert!(DateTime::from_unix(i64::MAX).is_none());
    /// ```
    pub fn from_unix(secs: i64) -> Option<DateTime> {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        DateTime::new(y, m, d, rem / 3600, rem % 3600 / 60, rem % 60, 0)
    }

    /// Seconds since the Unix epoch of the instant this datetime denotes.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// // 01:00 at +01:00 is midnight UTC.
    /// let dt = DateTime::new(1970, 1, 1, 1, 0, 0, 3600).unwrap();
    /// assert_eq!(dt.to_unix(), 0);
    /// ```
    pub fn to_unix(&self) -> i64 {
        let days = days_from_civil(
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset)
    }

    /// The same instant with offset zero; `None` if that leaves years 1–9999
    /// (Python raises `OverflowError` there).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// let ist = DateTime::new(2024, 1, 2, 3, 4, 5, 19_800).unwrap();
    /// let utc = ist.to_utc().unwrap();
    /// assert_eq!((utc.day(), utc.hour(), utc.minute()), (1, 21, 34));
    /// assert_eq!(utc.to_unix(), ist.to_unix());
    /// // Year 1, 00:00 at +01:00 is in year 0 in UTC: Python's OverflowError.
    /// assert!(DateTime::new(1, 1, 1, 0, 0, 0, 3600).unwrap().to_utc().is_none());
    /// ```
    pub fn to_utc(&self) -> Option<DateTime> {
        DateTime::from_unix(self.to_unix())
    }

    /// The year (1–9999).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::from_unix(1_700_000_000).unwrap().year(), 2023);
    /// ```
    pub fn year(&self) -> u16 {
        self.year
    }
    /// The month (1–12).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::from_unix(1_700_000_000).unwrap().month(), 11);
    /// ```
    pub fn month(&self) -> u8 {
        self.month
    }
    /// The day of the month (1–31).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::from_unix(1_700_000_000).unwrap().day(), 14);
    /// ```
    pub fn day(&self) -> u8 {
        self.day
    }
    /// The hour (0–23).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::from_unix(1_700_000_000).unwrap().hour(), 22);
    /// ```
    pub fn hour(&self) -> u8 {
        self.hour
    }
    /// The minute (0–59).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::from_unix(1_700_000_000).unwrap().minute(), 13);
    /// ```
    pub fn minute(&self) -> u8 {
        self.minute
    }
    /// The second (0–59).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::from_unix(1_700_000_000).unwrap().second(), 20);
    /// ```
    pub fn second(&self) -> u8 {
        self.second
    }
    /// The UTC offset in seconds (east positive).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// assert_eq!(DateTime::new(2024, 1, 1, 0, 0, 0, -18_000).unwrap().offset_seconds(), -18_000);
    /// ```
    pub fn offset_seconds(&self) -> i32 {
        self.offset
    }

    /// The HTTP date Flask writes (`Wdy, DD Mon YYYY HH:MM:SS GMT`, in UTC);
    /// `None` if the UTC conversion leaves years 1–9999.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// let dt = DateTime::new(2024, 1, 2, 3, 4, 5, 0).unwrap();
    /// assert_eq!(dt.http_date().as_deref(), Some("Tue, 02 Jan 2024 03:04:05 GMT"));
    /// ```
    pub fn http_date(&self) -> Option<String> {
        let mut s = String::with_capacity(29);
        self.write_http_date(&mut s).then_some(s)
    }

    /// Appends [`DateTime::http_date`] to `out`; false (nothing written) if
    /// the UTC conversion leaves years 1–9999.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    ///
    /// let mut line = String::from("Expires=");
    /// assert!(DateTime::from_unix(0).unwrap().write_http_date(&mut line));
    /// assert_eq!(line, "Expires=Thu, 01 Jan 1970 00:00:00 GMT");
    /// ```
    pub fn write_http_date(&self, out: &mut String) -> bool {
        let Some(u) = self.to_utc() else { return false };
        let days = days_from_civil(i64::from(u.year), i64::from(u.month), i64::from(u.day));
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let wd = usize::try_from((days + 3).rem_euclid(7)).unwrap_or(0);
        let (Some(day), Some(month)) = (DAYS.get(wd), MONTHS.get(usize::from(u.month) - 1)) else {
            return false;
        };
        // Without the formatting machinery (this is on every Set-Cookie of a
        // permanent session); `to_utc` keeps the year within 4 digits.
        let digits = |out: &mut String, value: u32, width: u32| {
            for place in (0..width).rev() {
                out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
            }
        };
        out.push_str(day);
        out.push_str(", ");
        digits(out, u32::from(u.day), 2);
        out.push(' ');
        out.push_str(month);
        out.push(' ');
        digits(out, u32::from(u.year), 4);
        out.push(' ');
        digits(out, u32::from(u.hour), 2);
        out.push(':');
        digits(out, u32::from(u.minute), 2);
        out.push(':');
        digits(out, u32::from(u.second), 2);
        out.push_str(" GMT");
        true
    }

    /// Parses ISO 8601 as [`DateTime`]'s `Display` writes it (and Python's
    /// `isoformat()`): `YYYY-MM-DD[T| ]HH:MM:SS[.ffffff][Z|±HH:MM[:SS]]`.
    /// Fractions are dropped (Flask drops them too); no offset means UTC.
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    /// let d = DateTime::parse_iso("2024-01-02T03:04:05.123+05:30").unwrap();
    /// assert_eq!(d.to_string(), "2024-01-02T03:04:05+05:30");
    /// ```
    pub fn parse_iso(text: &str) -> Option<DateTime> {
        let b = text.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = text.get(r)?;
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        if b.len() < 19
            || b.get(4) != Some(&b'-')
            || b.get(7) != Some(&b'-')
            || !matches!(b.get(10), Some(b'T' | b' '))
            || b.get(13) != Some(&b':')
            || b.get(16) != Some(&b':')
        {
            return None;
        }
        let (y, mo, d, h, mi, se) = (
            num(0..4)?,
            num(5..7)?,
            num(8..10)?,
            num(11..13)?,
            num(14..16)?,
            num(17..19)?,
        );
        let mut rest = text.get(19..)?;
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            rest = frac.get(n..)?;
        }
        let offset = match rest {
            "" | "Z" => 0,
            _ => {
                let sign = match rest.as_bytes().first() {
                    Some(b'+') => 1,
                    Some(b'-') => -1,
                    _ => return None,
                };
                let parts: Vec<&str> = rest.get(1..)?.split(':').collect();
                if parts.len() < 2
                    || parts.len() > 3
                    || parts
                        .iter()
                        .any(|p| p.len() != 2 || !p.bytes().all(|c| c.is_ascii_digit()))
                {
                    return None;
                }
                let mut secs = 0i64;
                for (p, unit) in parts.iter().zip([3600, 60, 1]) {
                    secs += p.parse::<i64>().ok()? * unit;
                }
                sign * secs
            }
        };
        DateTime::new(y, mo, d, h, mi, se, offset)
    }

    /// Parses text as Flask reads a `" d"` tag: Werkzeug's `parse_date`, that
    /// is Python's `email.utils.parsedate_to_datetime`, a naive result taken
    /// as UTC. `None` where Flask gets `None` (unparsable or out of range),
    /// and also where Flask raises `OverflowError` (a field beyond a C `int`,
    /// an offset beyond `timedelta`): the session codec refuses those
    /// cookies, so they open a fresh session.
    ///
    /// ```
    /// use sessionkit::codec::DateTime;
    /// let d = DateTime::parse_rfc2822("Tue, 02 Jan 2024 03:04:05 +0530").unwrap();
    /// assert_eq!((d.hour(), d.offset_seconds()), (3, 19_800));
    /// assert!(DateTime::parse_rfc2822("garbage").is_none());
    /// ```
    pub fn parse_rfc2822(text: &str) -> Option<DateTime> {
        DateTime::parse_werkzeug(text).ok().flatten()
    }

    /// [`DateTime::parse_rfc2822`], telling apart the texts on which Flask
    /// raises `OverflowError` instead of getting `None`: an offset beyond
    /// `timedelta`'s range, or a field beyond a C `int` (Python evaluates
    /// the offset first, and an offset of 24 hours or more is `None`).
    pub(crate) fn parse_werkzeug(text: &str) -> Result<Option<DateTime>, DateOverflow> {
        let Some([year, month, day, hour, minute, second, offset]) = parsedate_tz(text) else {
            return Ok(None);
        };
        if offset.div_euclid(86_400).abs() > 999_999_999 {
            return Err(DateOverflow);
        }
        if offset.abs() >= 86_400 {
            return Ok(None);
        }
        if [year, day, hour, minute, second]
            .iter()
            .any(|&f| i32::try_from(f).is_err())
        {
            return Err(DateOverflow);
        }
        Ok(DateTime::new(
            year, month, day, hour, minute, second, offset,
        ))
    }
}

/// A `" d"` text Flask cannot load (`OverflowError`; see
/// [`DateTime::parse_werkzeug`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateOverflow;

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({self})")
    }
}

impl fmt::Display for DateTime {
    /// ISO 8601 with the offset, like Python's `isoformat()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset < 0 { '-' } else { '+' };
        let off = self.offset.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            sign,
            off / 3600,
            off % 3600 / 60
        )?;
        if !off.is_multiple_of(60) {
            write!(f, ":{:02}", off % 60)?;
        }
        Ok(())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

const DAYNAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const MONTHNAMES: [&str; 24] = [
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn timezone(tz: &str) -> Option<i64> {
    Some(match tz {
        "UT" | "UTC" | "GMT" | "Z" => 0,
        "AST" => -400,
        "ADT" => -300,
        "EST" => -500,
        "EDT" => -400,
        "CST" => -600,
        "CDT" => -500,
        "MST" => -700,
        "MDT" => -600,
        "PST" => -800,
        "PDT" => -700,
        _ => return None,
    })
}

/// A port of CPython 3.11's `email._parseaddr._parsedate_tz`, returning
/// `[year, month, day, hour, minute, second, offset_seconds]` with the offset
/// 0 for a naive result (Werkzeug then assumes UTC).
fn parsedate_tz(data: &str) -> Option<[i64; 7]> {
    let mut parts: Vec<String> = data
        .split(int::is_space)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let first = parts.first()?.clone();
    if first.ends_with(',') || DAYNAMES.contains(&first.to_lowercase().as_str()) {
        parts.remove(0);
    } else if let Some(i) = first.rfind(',') {
        parts[0] = first[i + 1..].to_owned();
    }
    if parts.len() == 3 {
        let stuff: Vec<String> = parts[0].split('-').map(str::to_owned).collect();
        if stuff.len() == 3 {
            let rest = parts.split_off(1);
            parts = stuff;
            parts.extend(rest);
        }
    }
    if parts.len() == 4 {
        let s = parts[3].clone();
        let i = s.find('+').or_else(|| s.find('-'));
        match i {
            Some(i) if i > 0 => {
                parts.truncate(3);
                parts.push(s[..i].to_owned());
                parts.push(s[i..].to_owned());
            }
            _ => parts.push(String::new()),
        }
    }
    if parts.len() < 5 {
        return None;
    }
    parts.truncate(5);
    let [mut dd, mut mm, mut yy, mut tm, mut tz]: [String; 5] = parts.try_into().ok()?;
    if dd.is_empty() || mm.is_empty() || yy.is_empty() {
        return None;
    }
    mm = mm.to_lowercase();
    if !MONTHNAMES.contains(&mm.as_str()) {
        (dd, mm) = (mm, dd.to_lowercase());
        if !MONTHNAMES.contains(&mm.as_str()) {
            return None;
        }
    }
    let mut month = MONTHNAMES.iter().position(|&m| m == mm)? as i64 + 1;
    if month > 12 {
        month -= 12;
    }
    if dd.ends_with(',') {
        dd.pop();
    }
    if yy.find(':').is_some_and(|i| i > 0) {
        std::mem::swap(&mut yy, &mut tm);
    }
    if yy.ends_with(',') {
        yy.pop();
        if yy.is_empty() {
            return None;
        }
    }
    if !yy.chars().next().is_some_and(int::is_digit) {
        std::mem::swap(&mut yy, &mut tz);
    }
    if tm.ends_with(',') {
        tm.pop();
    }
    let mut tparts: Vec<&str> = tm.split(':').collect();
    if tparts.len() == 1 && tm.contains('.') {
        tparts = tm.split('.').collect();
        if tparts.len() < 2 {
            return None;
        }
    }
    let (thh, tmm, tss) = match tparts.as_slice() {
        [h, m] => (*h, *m, "0"),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    let mut year = int::int10(&yy)?;
    let day = int::int10(&dd)?;
    let hour = int::int10(thh)?;
    let minute = int::int10(tmm)?;
    let second = int::int10(tss)?;
    if year < 100 {
        year += if year > 68 { 1900 } else { 2000 };
    }
    let tz = tz.to_uppercase();
    let mut tzoffset = timezone(&tz).or_else(|| int::int10(&tz));
    if tzoffset == Some(0) && tz.starts_with('-') {
        tzoffset = None;
    }
    let offset = match tzoffset {
        Some(o) if o != 0 => {
            let (sign, o) = if o < 0 { (-1, -o) } else { (1, o) };
            // Saturating: a huge offset only has to stay huge (Python's
            // `timedelta` then overflows).
            sign * (o / 100)
                .saturating_mul(3600)
                .saturating_add((o % 100) * 60)
        }
        _ => 0,
    };
    Some([year, month, day, hour, minute, second, offset])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_date_digits_match_formatting() {
        // The hand-written digits equal the format string for every field
        // width, across centuries, leap days and single-digit fields.
        let mut t = -62_135_596_800i64; // 0001-01-01
        while t < 253_402_300_799 {
            let d = DateTime::from_unix(t).unwrap();
            let u = d.to_utc().unwrap();
            let mut ours = String::new();
            assert!(d.write_http_date(&mut ours));
            let expected = format!(
                "{:02} {} {:04} {:02}:{:02}:{:02} GMT",
                u.day,
                MONTHS[usize::from(u.month) - 1],
                u.year,
                u.hour,
                u.minute,
                u.second
            );
            assert_eq!(&ours[5..], expected, "at {t}");
            t += 86_400 * 37 + 3_661 * 7;
        }
    }

    #[test]
    fn fields_are_read_back_as_given() {
        // Every field distinct, so a getter returning another field fails.
        let d = DateTime::new(2024, 3, 9, 14, 25, 36, -19_800).unwrap();
        assert_eq!(
            (
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second(),
                d.offset_seconds()
            ),
            (2024, 3, 9, 14, 25, 36, -19_800)
        );
        let u = d.to_utc().unwrap();
        assert_eq!(
            (u.day(), u.hour(), u.minute(), u.offset_seconds()),
            (9, 19, 55, 0)
        );
        assert_eq!(format!("{d:?}"), "DateTime(2024-03-09T14:25:36-05:30)");
    }

    #[test]
    fn iso_text_is_read_only_in_its_exact_shape() {
        let p = |s: &str| DateTime::parse_iso(s).map(|d| d.to_string());
        // The shortest form (19 characters), either separator.
        for text in ["2024-03-09T14:25:36", "2024-03-09 14:25:36"] {
            assert_eq!(p(text).as_deref(), Some("2024-03-09T14:25:36+00:00"));
        }
        assert_eq!(
            p("2024-03-09T14:25:36.5Z").as_deref(),
            Some("2024-03-09T14:25:36+00:00")
        );
        assert_eq!(
            p("2024-03-09T14:25:36-05:30:15").as_deref(),
            Some("2024-03-09T14:25:36-05:30:15")
        );
        // Each separator in its place, and nothing else.
        let good = "2024-03-09T14:25:36";
        for at in [4, 7, 10, 13, 16] {
            for c in ['/', '0', 'x'] {
                let mut bad = good.to_owned();
                bad.replace_range(at..=at, &c.to_string());
                assert_eq!(p(&bad), None, "{bad}");
            }
        }
        for bad in [
            "2024-03-09T14:25:3",
            "2024-3-09T14:25:36",
            "2024-03-09T14:25:36.",
            "2024-03-09T14:25:36+05",
            "2024-03-09T14:25:36+5:30",
            "2024-03-09T14:25:36 +05:30",
            "2024-03-09T14:25:36+05:30:15:00",
            "2024-03-09T14:25:36Zjunk",
            "2024-13-09T14:25:36",
            "+024-03-09T14:25:36",
        ] {
            assert_eq!(p(bad), None, "{bad}");
        }
    }

    #[test]
    fn month_lengths_follow_the_gregorian_leap_rule() {
        // February 29 exists in years divisible by 4, except centuries not
        // divisible by 400 (Python's `datetime` agrees).
        for (year, leap) in [
            (2024, true),
            (2023, false),
            (2000, true),
            (1900, false),
            (2100, false),
            (1600, true),
            (4, true),
            (1, false),
        ] {
            assert_eq!(
                DateTime::new(year, 2, 29, 0, 0, 0, 0).is_some(),
                leap,
                "{year}"
            );
            assert!(DateTime::new(year, 2, 28, 0, 0, 0, 0).is_some());
            assert!(DateTime::new(year, 2, 30, 0, 0, 0, 0).is_none());
        }
        for (month, days) in [
            (1, 31),
            (4, 30),
            (6, 30),
            (7, 31),
            (9, 30),
            (11, 30),
            (12, 31),
        ] {
            assert!(DateTime::new(2023, month, days, 0, 0, 0, 0).is_some());
            assert!(DateTime::new(2023, month, days + 1, 0, 0, 0, 0).is_none());
        }
        assert_eq!(DateTime::parse_rfc2822("29 Feb 1900 00:00:00 GMT"), None);
        assert!(DateTime::parse_rfc2822("29 Feb 2000 00:00:00 GMT").is_some());
    }

    #[test]
    fn unix_seconds_map_to_pythons_calendar() {
        // Pairs from CPython's `datetime.fromtimestamp(t, timezone.utc)`,
        // with the last day of 400-year eras and January/February (the
        // months the calendar algorithm counts into the next year).
        for (t, iso) in [
            (951_825_600, "2000-02-29T12:00:00+00:00"),
            (-11_670_998_400, "1600-02-29T00:00:00+00:00"),
            (13_574_585_228, "2400-02-29T06:07:08+00:00"),
            (1_706_745_600, "2024-02-01T00:00:00+00:00"),
            (1_675_209_599, "2023-01-31T23:59:59+00:00"),
            (-1, "1969-12-31T23:59:59+00:00"),
            (-2_203_891_200, "1900-03-01T00:00:00+00:00"),
        ] {
            let d = DateTime::from_unix(t).unwrap();
            assert_eq!(d.to_string(), iso, "{t}");
            assert_eq!(DateTime::parse_iso(iso).unwrap().to_unix(), t, "{iso}");
        }
    }

    #[test]
    fn unix_round_trip_and_limits() {
        for s in [0, 1, -1, 1_700_000_000, 253_402_300_799, -62_135_596_800] {
            assert_eq!(DateTime::from_unix(s).unwrap().to_unix(), s);
        }
        assert!(DateTime::from_unix(253_402_300_800).is_none());
        assert!(DateTime::from_unix(-62_135_596_801).is_none());
    }

    #[test]
    fn parses_like_python() {
        let p = |s: &str| DateTime::parse_rfc2822(s).map(|d| d.to_string());
        assert_eq!(
            p("Tue, 02 Jan 2024 03:04:05 GMT").as_deref(),
            Some("2024-01-02T03:04:05+00:00")
        );
        assert_eq!(
            p("Tue, 02 Jan 0050 03:04:05 GMT").as_deref(),
            Some("2050-01-02T03:04:05+00:00")
        );
        assert_eq!(
            p("02 Jan 99 03:04 EST").as_deref(),
            Some("1999-01-02T03:04:00-05:00")
        );
        assert_eq!(
            p("Jan 02 2024 03:04:05 -0000").as_deref(),
            Some("2024-01-02T03:04:05+00:00")
        );
        assert_eq!(p("2-Jan-2024 03:04:05"), None);
        assert_eq!(
            p("Tuesday, 02-Jan-24 03:04:05 GMT").as_deref(),
            Some("2024-01-02T03:04:05+00:00")
        );
        assert_eq!(
            p("Tue, 02 Jan 2024 03.04.05 +0100").as_deref(),
            Some("2024-01-02T03:04:05+01:00")
        );
        assert_eq!(p("Tue, 02 Jan 2024 25:04:05 GMT"), None);
        assert_eq!(p("Tue, 31 Feb 2024 03:04:05 GMT"), None);
        assert_eq!(p("Tue, 02 Jan 2024 03:04:05 +9999"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("   "), None);
    }

    #[test]
    fn rfc2822_texts_read_as_werkzeug_reads_them() {
        // Each answer is Werkzeug 3.1's `parse_date(text).isoformat()` on
        // CPython 3.11 (`None` where it returns `None`): named zones, zones
        // glued to the time, day names with and without commas, dashed
        // dates, fields in other orders, short and long forms.
        let cases: &[(&str, Option<&str>)] = &[
            ("02 Jan 2024 03:04:05 UT", Some("2024-01-02T03:04:05+00:00")),
            (
                "02 Jan 2024 03:04:05 UTC",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 Jan 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            ("02 Jan 2024 03:04:05 Z", Some("2024-01-02T03:04:05+00:00")),
            (
                "02 Jan 2024 03:04:05 AST",
                Some("2024-01-02T03:04:05-04:00"),
            ),
            (
                "02 Jan 2024 03:04:05 ADT",
                Some("2024-01-02T03:04:05-03:00"),
            ),
            (
                "02 Jan 2024 03:04:05 EST",
                Some("2024-01-02T03:04:05-05:00"),
            ),
            (
                "02 Jan 2024 03:04:05 EDT",
                Some("2024-01-02T03:04:05-04:00"),
            ),
            (
                "02 Jan 2024 03:04:05 CST",
                Some("2024-01-02T03:04:05-06:00"),
            ),
            (
                "02 Jan 2024 03:04:05 CDT",
                Some("2024-01-02T03:04:05-05:00"),
            ),
            (
                "02 Jan 2024 03:04:05 MST",
                Some("2024-01-02T03:04:05-07:00"),
            ),
            (
                "02 Jan 2024 03:04:05 MDT",
                Some("2024-01-02T03:04:05-06:00"),
            ),
            (
                "02 Jan 2024 03:04:05 PST",
                Some("2024-01-02T03:04:05-08:00"),
            ),
            (
                "02 Jan 2024 03:04:05 PDT",
                Some("2024-01-02T03:04:05-07:00"),
            ),
            (
                "02 Jan 2024 03:04:05 est",
                Some("2024-01-02T03:04:05-05:00"),
            ),
            (
                "02 Jan 2024 03:04:05 pdt",
                Some("2024-01-02T03:04:05-07:00"),
            ),
            (
                "02 Jan 2024 03:04:05 XYZ",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 Jan 2024 03:04:05 -0000",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 Jan 2024 03:04:05 +0000",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 Jan 2024 03:04:05 -0130",
                Some("2024-01-02T03:04:05-01:30"),
            ),
            (
                "02 Jan 2024 03:04:05 +1234",
                Some("2024-01-02T03:04:05+12:34"),
            ),
            (
                "Tue,02 Jan 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "Tuesday,02 Jan 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "x,y,02 Jan 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 Jan 2024 03:04:05+0100",
                Some("2024-01-02T03:04:05+01:00"),
            ),
            (
                "02 Jan 2024 03:04:05-0230",
                Some("2024-01-02T03:04:05-02:30"),
            ),
            ("02 Jan 2024 -0100", None),
            ("02 Jan 2024 03:04:05", Some("2024-01-02T03:04:05+00:00")),
            ("02 Jan 2024 03:04", Some("2024-01-02T03:04:00+00:00")),
            ("02 Jan 2024", None),
            ("02 Jan", None),
            (
                "02 Jan 2024 03:04:05 GMT extra words",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            ("02--2024 03:04:05 GMT", None),
            ("-Jan-2024 03:04:05 GMT", None),
            ("02-Jan- 03:04:05 GMT", None),
            (
                "02-Jan-2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "Jan 02 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            ("2024 Jan 02 03:04:05 GMT", None),
            (
                "02 Jan 03:04:05 2024 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 January 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "02 Dec 2024 03:04:05 GMT",
                Some("2024-12-02T03:04:05+00:00"),
            ),
            (
                "02 December 2024 03:04:05 GMT",
                Some("2024-12-02T03:04:05+00:00"),
            ),
            ("31 DEC 99 23:59:59 GMT", Some("1999-12-31T23:59:59+00:00")),
            (
                "02 Jan 03:04:05, 2024 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            ("02 Jan 2024: 03:04:05 GMT", None),
            (
                "02 JANUARY 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            ("02, Jan, 2024, 03:04:05, GMT", None),
            ("02 Jan , 03:04:05 GMT", None),
            ("02 Jan 68 03:04:05 GMT", Some("2068-01-02T03:04:05+00:00")),
            ("02 Jan 69 03:04:05 GMT", Some("1969-01-02T03:04:05+00:00")),
            ("02 Jan 100 03:04:05 GMT", Some("0100-01-02T03:04:05+00:00")),
            ("02 Jan 2024 3:4:5 GMT", Some("2024-01-02T03:04:05+00:00")),
            ("02 Jan 2024 03.04 GMT", Some("2024-01-02T03:04:00+00:00")),
            ("02 Jan 2024 0304 GMT", None),
            ("02 Jan 2024 03:04:05:06 GMT", None),
            (
                "02 Jan 2024 03:04:05 +0060",
                Some("2024-01-02T03:04:05+01:00"),
            ),
            (
                "02 Jan 2024 03:04:05 -2359",
                Some("2024-01-02T03:04:05-23:59"),
            ),
            (
                "02 Jan 2024 03:04:05 GMT+0100",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "Mon 02 Jan 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
            (
                "mon, 02 Jan 2024 03:04:05 GMT",
                Some("2024-01-02T03:04:05+00:00"),
            ),
        ];
        for &(text, want) in cases {
            let got = DateTime::parse_rfc2822(text).map(|d| d.to_string());
            assert_eq!(got.as_deref(), want, "{text:?}");
        }
    }

    #[test]
    fn unicode_digits_read_as_python_reads_them() {
        // `int()` takes any Unicode decimal digit; `isdigit()` decides
        // whether the third field is the year (confirmed with CPython 3.11).
        let p = |s: &str| DateTime::parse_rfc2822(s).map(|d| d.to_string());
        assert_eq!(
            p("02 Jan \u{662}\u{660}\u{662}\u{664} 03:04:05 GMT").as_deref(),
            Some("2024-01-02T03:04:05+00:00")
        );
        assert_eq!(
            p("\u{FF10}\u{FF12} Jan 2024 03:04:05 +\u{FF10}\u{FF11}\u{FF10}\u{FF10}").as_deref(),
            Some("2024-01-02T03:04:05+01:00")
        );
        // A superscript two passes `isdigit()` but not `int()`.
        assert_eq!(p("02 Jan \u{B2}024 03:04:05 GMT"), None);
    }

    #[test]
    fn overflow_is_told_apart_from_none() {
        // Each case confirmed against Werkzeug 3.1 `parse_date` on
        // CPython 3.11: `Err` where it raises `OverflowError`.
        let w = |s: &str| DateTime::parse_werkzeug(s).map(|d| d.is_some());
        let cases: &[(&str, Result<bool, DateOverflow>)] = &[
            ("Jan 01 00:00:00 2147483647", Ok(false)),
            ("Jan 01 00:00:00 2147483648", Err(DateOverflow)),
            ("Jan 01 00:00:00 170000000001 ", Err(DateOverflow)),
            ("01 Jan 2024 2147483648:00:00", Err(DateOverflow)),
            ("01 Jan 2024 -2147483649:00:00", Err(DateOverflow)),
            ("01 Jan 2024 -2147483648:00:00", Ok(false)),
            ("01 Jan 2024 00:00:00 +2400", Ok(false)),
            ("01 Jan 2024 00:00:00 +2399999999959", Ok(false)),
            ("01 Jan 2024 00:00:00 +2399999999960", Err(DateOverflow)),
            ("01 Jan 2024 00:00:00 -2399999997600", Ok(false)),
            ("01 Jan 2024 00:00:00 -2399999997601", Err(DateOverflow)),
            (
                "01 Jan 2024 00:00:00 +99999999999999999999999",
                Err(DateOverflow),
            ),
            // The offset is looked at first: 24 hours or more is `None`.
            ("9999999999 Jan 2024 00:00:00 +2400", Ok(false)),
            ("01 Jan 2024 00:00:00 +0100", Ok(true)),
        ];
        for &(text, want) in cases {
            assert_eq!(w(text), want, "{text:?}");
            assert_eq!(DateTime::parse_rfc2822(text).is_some(), want == Ok(true));
        }
        // Beyond Python's 4 300-digit limit `int()` fails: `None`.
        let long = format!("Jan 01 00:00:00 {}", "1".repeat(4301));
        assert_eq!(w(&long), Ok(false));
        let at_limit = format!("Jan 01 00:00:00 {}", "1".repeat(4300));
        assert_eq!(w(&at_limit), Err(DateOverflow));
    }
}
