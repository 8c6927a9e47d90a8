//! Phone numbers to E.164, and country names to ISO 3166-1 alpha-2 codes (GHL's `country`).
//!
//! GHL stores phones in E.164 and detects duplicates by them, while Freshsales keeps whatever
//! a user typed ("098765 43210", "(415) 555-0132 ext 7", "19265559504"). [`to_e164`] turns a
//! typed number into `+<calling code><national significant number>` using a default country
//! (an install setting) for numbers written nationally; a number it cannot normalize is an
//! error, so callers leave it out of a write rather than send it malformed.
//!
//! The numbering plans are a hand-written table: calling code, trunk prefixes and the length
//! range of the national significant number for about 85 countries (the NANP members share
//! `+1`), plus generic E.164 bounds for international numbers with any other calling code.
//! The `phonenumber` crate would be more complete, but it embeds libphonenumber's whole
//! metadata, hundreds of KB of wasm shipped to every CRM user's browser for a check that
//! only needs to keep malformed numbers out of GHL. The cost of the small table is that a
//! number of the right length for its country is accepted even where libphonenumber knows
//! the range is unassigned.
//!
//! [`country_code`] maps every ISO 3166-1 English short name, both code forms and common
//! endonyms and aliases ("Deutschland", "U.S.A.", "Россия", "日本", "Türkiye") to alpha-2,
//! ignoring case, diacritics and punctuation.

use std::fmt;

/// Why a typed number could not be normalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhoneError {
    /// No digits at all.
    Empty,
    /// Letters that are not an extension marker: a vanity number ("1-800-FLOWERS") or words.
    Letters,
    /// A character that has no place in a phone number, or a misplaced `+`.
    Format,
    /// Too few digits for the country.
    TooShort,
    /// Too many digits for the country, or over E.164's 15.
    TooLong,
    /// The right length but not a possible number (a NANP area code starting with 0 or 1,
    /// a national number starting with the trunk prefix twice, a calling code starting with 0).
    Invalid,
    /// A national number, and the default country is missing or not in the table.
    UnknownCountry,
}

impl PhoneError {
    /// A plain-language explanation for the sync log.
    pub fn message(&self) -> &'static str {
        match self {
            PhoneError::Empty => "it has no digits",
            PhoneError::Letters => "it contains letters",
            PhoneError::Format => "it contains characters a phone number cannot have",
            PhoneError::TooShort => "it has too few digits",
            PhoneError::TooLong => "it has too many digits",
            PhoneError::Invalid => "it is not a possible number for its country",
            PhoneError::UnknownCountry => "it has no country code and the default country is not set or not supported",
        }
    }
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for PhoneError {}

/// A country's numbering plan, as far as normalization needs it.
struct Plan {
    /// ISO alpha-2.
    iso: &'static str,
    /// Calling code digits.
    cc: &'static str,
    /// Trunk prefixes dialled before a national number (tried in order).
    trunk: &'static [&'static str],
    /// Shortest national significant number.
    min: u8,
    /// Longest national significant number.
    max: u8,
}

const fn plan(iso: &'static str, cc: &'static str, trunk: &'static [&'static str], min: u8, max: u8) -> Plan {
    Plan { iso, cc, trunk, min, max }
}

const Z: &[&str] = &["0"];
const NONE: &[&str] = &[];
const NANP: &[&str] = &["1"];

/// The numbering plans. Ranges are national significant numbers (after the trunk prefix).
#[rustfmt::skip]
const PLANS: &[Plan] = &[
    // North American Numbering Plan: +1, ten digits, trunk 1.
    plan("US", "1", NANP, 10, 10), plan("CA", "1", NANP, 10, 10), plan("PR", "1", NANP, 10, 10),
    plan("VI", "1", NANP, 10, 10), plan("GU", "1", NANP, 10, 10), plan("AS", "1", NANP, 10, 10),
    plan("MP", "1", NANP, 10, 10), plan("DO", "1", NANP, 10, 10), plan("JM", "1", NANP, 10, 10),
    plan("TT", "1", NANP, 10, 10), plan("BS", "1", NANP, 10, 10), plan("BB", "1", NANP, 10, 10),
    plan("BM", "1", NANP, 10, 10), plan("AG", "1", NANP, 10, 10), plan("AI", "1", NANP, 10, 10),
    plan("DM", "1", NANP, 10, 10), plan("GD", "1", NANP, 10, 10), plan("KN", "1", NANP, 10, 10),
    plan("KY", "1", NANP, 10, 10), plan("LC", "1", NANP, 10, 10), plan("MS", "1", NANP, 10, 10),
    plan("SX", "1", NANP, 10, 10), plan("TC", "1", NANP, 10, 10), plan("VC", "1", NANP, 10, 10),
    plan("VG", "1", NANP, 10, 10),
    // Europe.
    plan("GB", "44", Z, 7, 10), plan("GG", "44", Z, 7, 10), plan("JE", "44", Z, 7, 10), plan("IM", "44", Z, 7, 10),
    plan("IE", "353", Z, 7, 9), plan("FR", "33", Z, 9, 9), plan("MC", "377", NONE, 8, 9),
    plan("DE", "49", Z, 5, 13), plan("AT", "43", Z, 4, 13), plan("CH", "41", Z, 9, 9),
    plan("LI", "423", NONE, 7, 9), plan("NL", "31", Z, 9, 9), plan("BE", "32", Z, 8, 9),
    plan("LU", "352", NONE, 4, 11), plan("IT", "39", NONE, 6, 11), plan("ES", "34", NONE, 9, 9),
    plan("PT", "351", NONE, 9, 9), plan("GR", "30", NONE, 10, 10), plan("CY", "357", NONE, 8, 8),
    plan("MT", "356", NONE, 8, 8), plan("DK", "45", NONE, 8, 8), plan("NO", "47", NONE, 8, 8),
    plan("SE", "46", Z, 7, 10), plan("FI", "358", Z, 5, 12), plan("IS", "354", NONE, 7, 9),
    plan("EE", "372", NONE, 7, 8), plan("LV", "371", NONE, 8, 8), plan("LT", "370", &["8", "0"], 8, 8),
    plan("PL", "48", NONE, 9, 9), plan("CZ", "420", NONE, 9, 9), plan("SK", "421", Z, 9, 9),
    plan("HU", "36", &["06"], 8, 9), plan("RO", "40", Z, 9, 9), plan("BG", "359", Z, 7, 9),
    plan("HR", "385", Z, 8, 9), plan("SI", "386", Z, 8, 8), plan("RS", "381", Z, 6, 12),
    plan("UA", "380", Z, 9, 9), plan("BY", "375", &["80", "8"], 9, 9),
    plan("RU", "7", &["8"], 10, 10), plan("KZ", "7", &["8"], 10, 10), plan("TR", "90", Z, 10, 10),
    // Middle East and Africa.
    plan("IL", "972", Z, 8, 9), plan("AE", "971", Z, 8, 9), plan("SA", "966", Z, 8, 9),
    plan("QA", "974", NONE, 8, 8), plan("KW", "965", NONE, 8, 8), plan("BH", "973", NONE, 8, 8),
    plan("OM", "968", NONE, 8, 8), plan("JO", "962", Z, 8, 9), plan("LB", "961", Z, 7, 8),
    plan("IR", "98", Z, 10, 10), plan("IQ", "964", Z, 8, 10), plan("EG", "20", Z, 8, 10),
    plan("MA", "212", Z, 9, 9), plan("DZ", "213", Z, 8, 9), plan("TN", "216", NONE, 8, 8),
    plan("NG", "234", Z, 8, 10), plan("GH", "233", Z, 9, 9), plan("KE", "254", Z, 9, 9),
    plan("UG", "256", Z, 9, 9), plan("TZ", "255", Z, 9, 9), plan("ET", "251", Z, 9, 9),
    plan("ZA", "27", Z, 9, 9),
    // Asia and Oceania.
    plan("IN", "91", Z, 10, 10), plan("PK", "92", Z, 9, 10), plan("BD", "880", Z, 8, 10),
    plan("LK", "94", Z, 9, 9), plan("NP", "977", Z, 8, 10), plan("CN", "86", Z, 9, 11),
    plan("HK", "852", NONE, 8, 8), plan("MO", "853", NONE, 8, 8), plan("TW", "886", Z, 8, 9),
    plan("JP", "81", Z, 9, 10), plan("KR", "82", Z, 8, 10), plan("SG", "65", NONE, 8, 8),
    plan("MY", "60", Z, 8, 10), plan("TH", "66", Z, 8, 9), plan("VN", "84", Z, 9, 10),
    plan("PH", "63", Z, 8, 10), plan("ID", "62", Z, 8, 12), plan("MM", "95", Z, 7, 10),
    plan("KH", "855", Z, 8, 9), plan("AU", "61", Z, 9, 9), plan("NZ", "64", Z, 8, 10),
    // Latin America.
    plan("MX", "52", &["01", "044", "045", "1"], 10, 10), plan("BR", "55", Z, 10, 11),
    plan("AR", "54", Z, 10, 11), plan("CL", "56", Z, 9, 9), plan("CO", "57", Z, 8, 10),
    plan("PE", "51", Z, 8, 9), plan("VE", "58", Z, 10, 10), plan("EC", "593", Z, 8, 9),
    plan("UY", "598", Z, 8, 8), plan("PY", "595", Z, 7, 9), plan("BO", "591", Z, 8, 8),
    plan("CR", "506", NONE, 8, 8), plan("PA", "507", NONE, 7, 8), plan("GT", "502", NONE, 8, 8),
    plan("SV", "503", NONE, 8, 8), plan("CU", "53", Z, 6, 8),
];

/// International call prefixes other than the near-universal `00`, by calling code of the
/// dialling country. Tried before `00`.
#[rustfmt::skip]
const IDD: &[(&str, &[&str])] = &[
    ("1", &["011"]),
    ("61", &["0011"]),
    ("81", &["010"]),
    ("82", &["00700", "001", "002", "005", "006", "008"]),
    ("7", &["810"]),
    ("375", &["810"]),
    ("55", &["0012", "0014", "0015", "0021", "0023", "0025", "0031", "0041", "0043"]),
];

/// Words that start an extension ("ext. 12", "x12", "доб. 12", "内線12").
const EXTENSION_WORDS: &[&str] =
    &["x", "ext", "extn", "xtn", "extension", "anexo", "ramal", "poste", "durchwahl", "dw", "доб", "内線"];

/// E.164's limit on all digits, calling code included.
const E164_MAX: usize = 15;
/// The fewest digits of a real international number (a few small territories have 7).
const E164_MIN: usize = 7;

/// Normalizes a typed phone number to E.164 (`+` and at most 15 digits).
///
/// Formatting (spaces, dots, dashes, slashes, parentheses, full-width forms) is ignored and
/// an extension ("ext 12", "x12", "#12") is dropped. Digits in Arabic-Indic, Devanagari,
/// Bengali, Thai or full-width form are read as digits. International numbers are
/// recognised by `+`, by `00`, or by the default country's own prefix (`011` in the NANP,
/// `0011` in Australia, `810` in Russia, …); a trunk prefix written after the calling code
/// ("+44 (0)20 …") is removed. Other numbers are national numbers of `default_country`
/// (alpha-2, alpha-3 or a name, see [`country_code`]): its trunk prefix is removed and, for
/// a number written with the calling code but no `+` ("919876543210" in India), the
/// calling code is recognised.
///
/// ```
/// use ghl_bridge::phone::to_e164;
/// assert_eq!(to_e164("020 7946 0958", "GB").unwrap(), "+442079460958");
/// assert_eq!(to_e164("(415) 555-0132 ext. 7", "US").unwrap(), "+14155550132");
/// assert!(to_e164("1-800-FLOWERS", "US").is_err());
/// ```
pub fn to_e164(raw: &str, default_country: &str) -> Result<String, PhoneError> {
    let (plus, digits) = clean(raw)?;
    let home = country_code(default_country).and_then(plan_of);
    if plus {
        return international(&digits);
    }
    if let Some(rest) = strip_idd(&digits, home) {
        return international(rest);
    }
    let home = home.ok_or(PhoneError::UnknownCountry)?;
    let nsn = significant(home, &digits, true)?;
    Ok(format!("+{}{}", home.cc, nsn))
}

/// The calling code of a country whose numbering plan the table knows, e.g. `"44"` for
/// `"GB"`. Countries outside the table still take international numbers, but not national
/// ones: the installation page can use this to check the default country.
pub fn calling_code(country: &str) -> Option<&'static str> {
    country_code(country).and_then(plan_of).map(|p| p.cc)
}

fn plan_of(iso: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.iso == iso)
}

/// Reads the digits and whether a leading `+` was given; drops formatting and extensions.
fn clean(raw: &str) -> Result<(bool, String), PhoneError> {
    let s = raw.trim();
    let s = match s.get(..4) {
        Some(p) if p.eq_ignore_ascii_case("tel:") => &s[4..],
        _ => s,
    };
    let mut plus = false;
    let mut digits = String::new();
    for (i, c) in s.char_indices() {
        if let Some(d) = digit_value(c) {
            digits.push(d);
            continue;
        }
        match c {
            '+' | '＋' if !plus && digits.is_empty() => plus = true,
            '#' | ',' | ';' if !digits.is_empty() => break,
            c if is_separator(c) => {}
            c if c.is_alphabetic() => {
                let word: String = s[i..].chars().take_while(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect();
                if !digits.is_empty() && EXTENSION_WORDS.contains(&word.as_str()) {
                    break;
                }
                return Err(PhoneError::Letters);
            }
            _ => return Err(PhoneError::Format),
        }
        // A phone number is short; a long field of digits is not one.
        if digits.len() > 3 * E164_MAX {
            return Err(PhoneError::TooLong);
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    Ok((plus, digits))
}

/// The decimal digit a character stands for, in the scripts phone numbers are typed in.
fn digit_value(c: char) -> Option<char> {
    const ZEROS: [u32; 7] = [0x30, 0xFF10, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50];
    let u = c as u32;
    ZEROS.iter().find(|&&z| (z..z + 10).contains(&u)).map(|&z| char::from(b'0' + (u - z) as u8))
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '-' | '/' | '(' | ')' | '[' | ']' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{00AD}' | '（' | '）' | '－' | '．' | '／'
        )
}

/// The rest of `digits` after an international call prefix, if it starts with one.
fn strip_idd<'a>(digits: &'a str, home: Option<&Plan>) -> Option<&'a str> {
    let own = home.and_then(|h| IDD.iter().find(|(cc, _)| *cc == h.cc)).map_or(&[][..], |(_, p)| *p);
    own.iter().chain(&["00"]).find_map(|p| digits.strip_prefix(p))
}

/// A number given with its calling code.
fn international(d: &str) -> Result<String, PhoneError> {
    if d.starts_with('0') {
        return Err(PhoneError::Invalid);
    }
    for len in 1..=3.min(d.len()) {
        let cc = &d[..len];
        // Countries sharing a code share the plan in this table, so the first decides.
        let Some(plan) = PLANS.iter().find(|p| p.cc == cc) else { continue };
        return significant(plan, &d[len..], false).map(|nsn| format!("+{cc}{nsn}"));
    }
    match d.len() {
        n if n < E164_MIN => Err(PhoneError::TooShort),
        n if n > E164_MAX => Err(PhoneError::TooLong),
        _ => Ok(format!("+{d}")),
    }
}

/// The national significant number in `d` (a national number, or what follows the calling
/// code): the trunk prefix removed where that leaves a possible number, else `d` itself, else
/// (for national input) `d` with the calling code removed.
fn significant<'a>(plan: &Plan, d: &'a str, national: bool) -> Result<&'a str, PhoneError> {
    let mut stripped = plan.trunk.iter().filter_map(|t| d.strip_prefix(t));
    if let Some(rest) = stripped.clone().find(|r| possible(plan, r)) {
        return Ok(rest);
    }
    let stripped = stripped.next();
    if possible(plan, d) {
        return Ok(d);
    }
    if national {
        if let Some(rest) = d.strip_prefix(plan.cc) {
            if let Ok(nsn) = significant(plan, rest, false) {
                return Ok(nsn);
            }
        }
    }
    let core = stripped.unwrap_or(d).len();
    Err(if core < plan.min as usize {
        PhoneError::TooShort
    } else if core > plan.max as usize || plan.cc.len() + core > E164_MAX {
        PhoneError::TooLong
    } else {
        PhoneError::Invalid
    })
}

/// Whether `nsn` is a possible national significant number in `plan`.
fn possible(plan: &Plan, nsn: &str) -> bool {
    let b = nsn.as_bytes();
    let len_ok = (plan.min as usize..=plan.max as usize).contains(&b.len()) && plan.cc.len() + b.len() <= E164_MAX;
    // Where the trunk prefix starts with 0, no significant number does.
    let lead_ok = !(b.first() == Some(&b'0') && plan.trunk.iter().any(|t| t.starts_with('0')));
    // NANP: area code and exchange both start with 2–9.
    let nanp_ok = plan.cc != "1" || (b.len() == 10 && b[0] >= b'2' && b[3] >= b'2');
    len_ok && lead_ok && nanp_ok
}

// ---------------------------------------------------------------------------------------------
// Countries
// ---------------------------------------------------------------------------------------------

/// ISO 3166-1: alpha-2, alpha-3, English short name.
#[rustfmt::skip]
const COUNTRIES: &[(&str, &str, &str)] = &[
    ("AD", "AND", "Andorra"), ("AE", "ARE", "United Arab Emirates"), ("AF", "AFG", "Afghanistan"),
    ("AG", "ATG", "Antigua and Barbuda"), ("AI", "AIA", "Anguilla"), ("AL", "ALB", "Albania"),
    ("AM", "ARM", "Armenia"), ("AO", "AGO", "Angola"), ("AQ", "ATA", "Antarctica"),
    ("AR", "ARG", "Argentina"), ("AS", "ASM", "American Samoa"), ("AT", "AUT", "Austria"),
    ("AU", "AUS", "Australia"), ("AW", "ABW", "Aruba"), ("AX", "ALA", "Åland Islands"),
    ("AZ", "AZE", "Azerbaijan"), ("BA", "BIH", "Bosnia and Herzegovina"), ("BB", "BRB", "Barbados"),
    ("BD", "BGD", "Bangladesh"), ("BE", "BEL", "Belgium"), ("BF", "BFA", "Burkina Faso"),
    ("BG", "BGR", "Bulgaria"), ("BH", "BHR", "Bahrain"), ("BI", "BDI", "Burundi"),
    ("BJ", "BEN", "Benin"), ("BL", "BLM", "Saint Barthélemy"), ("BM", "BMU", "Bermuda"),
    ("BN", "BRN", "Brunei Darussalam"), ("BO", "BOL", "Bolivia, Plurinational State of"),
    ("BQ", "BES", "Bonaire, Sint Eustatius and Saba"), ("BR", "BRA", "Brazil"), ("BS", "BHS", "Bahamas"),
    ("BT", "BTN", "Bhutan"), ("BV", "BVT", "Bouvet Island"), ("BW", "BWA", "Botswana"),
    ("BY", "BLR", "Belarus"), ("BZ", "BLZ", "Belize"), ("CA", "CAN", "Canada"),
    ("CC", "CCK", "Cocos (Keeling) Islands"), ("CD", "COD", "Congo, The Democratic Republic of the"),
    ("CF", "CAF", "Central African Republic"), ("CG", "COG", "Congo"), ("CH", "CHE", "Switzerland"),
    ("CI", "CIV", "Côte d'Ivoire"), ("CK", "COK", "Cook Islands"), ("CL", "CHL", "Chile"),
    ("CM", "CMR", "Cameroon"), ("CN", "CHN", "China"), ("CO", "COL", "Colombia"),
    ("CR", "CRI", "Costa Rica"), ("CU", "CUB", "Cuba"), ("CV", "CPV", "Cabo Verde"),
    ("CW", "CUW", "Curaçao"), ("CX", "CXR", "Christmas Island"), ("CY", "CYP", "Cyprus"),
    ("CZ", "CZE", "Czechia"), ("DE", "DEU", "Germany"), ("DJ", "DJI", "Djibouti"),
    ("DK", "DNK", "Denmark"), ("DM", "DMA", "Dominica"), ("DO", "DOM", "Dominican Republic"),
    ("DZ", "DZA", "Algeria"), ("EC", "ECU", "Ecuador"), ("EE", "EST", "Estonia"),
    ("EG", "EGY", "Egypt"), ("EH", "ESH", "Western Sahara"), ("ER", "ERI", "Eritrea"),
    ("ES", "ESP", "Spain"), ("ET", "ETH", "Ethiopia"), ("FI", "FIN", "Finland"),
    ("FJ", "FJI", "Fiji"), ("FK", "FLK", "Falkland Islands (Malvinas)"),
    ("FM", "FSM", "Micronesia, Federated States of"), ("FO", "FRO", "Faroe Islands"),
    ("FR", "FRA", "France"), ("GA", "GAB", "Gabon"), ("GB", "GBR", "United Kingdom"),
    ("GD", "GRD", "Grenada"), ("GE", "GEO", "Georgia"), ("GF", "GUF", "French Guiana"),
    ("GG", "GGY", "Guernsey"), ("GH", "GHA", "Ghana"), ("GI", "GIB", "Gibraltar"),
    ("GL", "GRL", "Greenland"), ("GM", "GMB", "Gambia"), ("GN", "GIN", "Guinea"),
    ("GP", "GLP", "Guadeloupe"), ("GQ", "GNQ", "Equatorial Guinea"), ("GR", "GRC", "Greece"),
    ("GS", "SGS", "South Georgia and the South Sandwich Islands"), ("GT", "GTM", "Guatemala"),
    ("GU", "GUM", "Guam"), ("GW", "GNB", "Guinea-Bissau"), ("GY", "GUY", "Guyana"),
    ("HK", "HKG", "Hong Kong"), ("HM", "HMD", "Heard Island and McDonald Islands"),
    ("HN", "HND", "Honduras"), ("HR", "HRV", "Croatia"), ("HT", "HTI", "Haiti"),
    ("HU", "HUN", "Hungary"), ("ID", "IDN", "Indonesia"), ("IE", "IRL", "Ireland"),
    ("IL", "ISR", "Israel"), ("IM", "IMN", "Isle of Man"), ("IN", "IND", "India"),
    ("IO", "IOT", "British Indian Ocean Territory"), ("IQ", "IRQ", "Iraq"),
    ("IR", "IRN", "Iran, Islamic Republic of"), ("IS", "ISL", "Iceland"), ("IT", "ITA", "Italy"),
    ("JE", "JEY", "Jersey"), ("JM", "JAM", "Jamaica"), ("JO", "JOR", "Jordan"),
    ("JP", "JPN", "Japan"), ("KE", "KEN", "Kenya"), ("KG", "KGZ", "Kyrgyzstan"),
    ("KH", "KHM", "Cambodia"), ("KI", "KIR", "Kiribati"), ("KM", "COM", "Comoros"),
    ("KN", "KNA", "Saint Kitts and Nevis"), ("KP", "PRK", "Korea, Democratic People's Republic of"),
    ("KR", "KOR", "Korea, Republic of"), ("KW", "KWT", "Kuwait"), ("KY", "CYM", "Cayman Islands"),
    ("KZ", "KAZ", "Kazakhstan"), ("LA", "LAO", "Lao People's Democratic Republic"),
    ("LB", "LBN", "Lebanon"), ("LC", "LCA", "Saint Lucia"), ("LI", "LIE", "Liechtenstein"),
    ("LK", "LKA", "Sri Lanka"), ("LR", "LBR", "Liberia"), ("LS", "LSO", "Lesotho"),
    ("LT", "LTU", "Lithuania"), ("LU", "LUX", "Luxembourg"), ("LV", "LVA", "Latvia"),
    ("LY", "LBY", "Libya"), ("MA", "MAR", "Morocco"), ("MC", "MCO", "Monaco"),
    ("MD", "MDA", "Moldova, Republic of"), ("ME", "MNE", "Montenegro"),
    ("MF", "MAF", "Saint Martin (French part)"), ("MG", "MDG", "Madagascar"),
    ("MH", "MHL", "Marshall Islands"), ("MK", "MKD", "North Macedonia"), ("ML", "MLI", "Mali"),
    ("MM", "MMR", "Myanmar"), ("MN", "MNG", "Mongolia"), ("MO", "MAC", "Macao"),
    ("MP", "MNP", "Northern Mariana Islands"), ("MQ", "MTQ", "Martinique"), ("MR", "MRT", "Mauritania"),
    ("MS", "MSR", "Montserrat"), ("MT", "MLT", "Malta"), ("MU", "MUS", "Mauritius"),
    ("MV", "MDV", "Maldives"), ("MW", "MWI", "Malawi"), ("MX", "MEX", "Mexico"),
    ("MY", "MYS", "Malaysia"), ("MZ", "MOZ", "Mozambique"), ("NA", "NAM", "Namibia"),
    ("NC", "NCL", "New Caledonia"), ("NE", "NER", "Niger"), ("NF", "NFK", "Norfolk Island"),
    ("NG", "NGA", "Nigeria"), ("NI", "NIC", "Nicaragua"), ("NL", "NLD", "Netherlands"),
    ("NO", "NOR", "Norway"), ("NP", "NPL", "Nepal"), ("NR", "NRU", "Nauru"),
    ("NU", "NIU", "Niue"), ("NZ", "NZL", "New Zealand"), ("OM", "OMN", "Oman"),
    ("PA", "PAN", "Panama"), ("PE", "PER", "Peru"), ("PF", "PYF", "French Polynesia"),
    ("PG", "PNG", "Papua New Guinea"), ("PH", "PHL", "Philippines"), ("PK", "PAK", "Pakistan"),
    ("PL", "POL", "Poland"), ("PM", "SPM", "Saint Pierre and Miquelon"), ("PN", "PCN", "Pitcairn"),
    ("PR", "PRI", "Puerto Rico"), ("PS", "PSE", "Palestine, State of"), ("PT", "PRT", "Portugal"),
    ("PW", "PLW", "Palau"), ("PY", "PRY", "Paraguay"), ("QA", "QAT", "Qatar"),
    ("RE", "REU", "Réunion"), ("RO", "ROU", "Romania"), ("RS", "SRB", "Serbia"),
    ("RU", "RUS", "Russian Federation"), ("RW", "RWA", "Rwanda"), ("SA", "SAU", "Saudi Arabia"),
    ("SB", "SLB", "Solomon Islands"), ("SC", "SYC", "Seychelles"), ("SD", "SDN", "Sudan"),
    ("SE", "SWE", "Sweden"), ("SG", "SGP", "Singapore"),
    ("SH", "SHN", "Saint Helena, Ascension and Tristan da Cunha"), ("SI", "SVN", "Slovenia"),
    ("SJ", "SJM", "Svalbard and Jan Mayen"), ("SK", "SVK", "Slovakia"), ("SL", "SLE", "Sierra Leone"),
    ("SM", "SMR", "San Marino"), ("SN", "SEN", "Senegal"), ("SO", "SOM", "Somalia"),
    ("SR", "SUR", "Suriname"), ("SS", "SSD", "South Sudan"), ("ST", "STP", "Sao Tome and Principe"),
    ("SV", "SLV", "El Salvador"), ("SX", "SXM", "Sint Maarten (Dutch part)"),
    ("SY", "SYR", "Syrian Arab Republic"), ("SZ", "SWZ", "Eswatini"),
    ("TC", "TCA", "Turks and Caicos Islands"), ("TD", "TCD", "Chad"),
    ("TF", "ATF", "French Southern Territories"), ("TG", "TGO", "Togo"), ("TH", "THA", "Thailand"),
    ("TJ", "TJK", "Tajikistan"), ("TK", "TKL", "Tokelau"), ("TL", "TLS", "Timor-Leste"),
    ("TM", "TKM", "Turkmenistan"), ("TN", "TUN", "Tunisia"), ("TO", "TON", "Tonga"),
    ("TR", "TUR", "Türkiye"), ("TT", "TTO", "Trinidad and Tobago"), ("TV", "TUV", "Tuvalu"),
    ("TW", "TWN", "Taiwan, Province of China"), ("TZ", "TZA", "Tanzania, United Republic of"),
    ("UA", "UKR", "Ukraine"), ("UG", "UGA", "Uganda"),
    ("UM", "UMI", "United States Minor Outlying Islands"), ("US", "USA", "United States"),
    ("UY", "URY", "Uruguay"), ("UZ", "UZB", "Uzbekistan"), ("VA", "VAT", "Holy See (Vatican City State)"),
    ("VC", "VCT", "Saint Vincent and the Grenadines"), ("VE", "VEN", "Venezuela, Bolivarian Republic of"),
    ("VG", "VGB", "Virgin Islands, British"), ("VI", "VIR", "Virgin Islands, U.S."),
    ("VN", "VNM", "Viet Nam"), ("VU", "VUT", "Vanuatu"), ("WF", "WLF", "Wallis and Futuna"),
    ("WS", "WSM", "Samoa"), ("YE", "YEM", "Yemen"), ("YT", "MYT", "Mayotte"),
    ("ZA", "ZAF", "South Africa"), ("ZM", "ZMB", "Zambia"), ("ZW", "ZWE", "Zimbabwe"),
];

/// Other names: common English forms, former names, abbreviations and endonyms.
#[rustfmt::skip]
const ALIASES: &[(&str, &str)] = &[
    // United States
    ("United States of America", "US"), ("America", "US"), ("U.S.", "US"), ("US of A", "US"),
    ("Estados Unidos", "US"), ("EEUU", "US"), ("EE.UU.", "US"), ("États-Unis", "US"),
    ("Vereinigte Staaten", "US"), ("美国", "US"), ("美國", "US"), ("アメリカ", "US"),
    ("アメリカ合衆国", "US"), ("미국", "US"), ("США", "US"),
    ("United States Virgin Islands", "VI"), ("US Virgin Islands", "VI"),
    // United Kingdom
    ("UK", "GB"), ("Great Britain", "GB"), ("Britain", "GB"), ("England", "GB"), ("Scotland", "GB"),
    ("Wales", "GB"), ("Northern Ireland", "GB"), ("United Kingdom of Great Britain and Northern Ireland", "GB"),
    ("Royaume-Uni", "GB"), ("Reino Unido", "GB"), ("Regno Unito", "GB"), ("Vereinigtes Königreich", "GB"),
    ("Großbritannien", "GB"), ("英国", "GB"), ("英國", "GB"), ("イギリス", "GB"), ("영국", "GB"),
    ("Великобритания", "GB"), ("British Virgin Islands", "VG"),
    // Europe
    ("Deutschland", "DE"), ("Allemagne", "DE"), ("Alemania", "DE"), ("Germania", "DE"), ("Niemcy", "DE"),
    ("BRD", "DE"), ("德国", "DE"), ("德國", "DE"), ("ドイツ", "DE"), ("독일", "DE"), ("Германия", "DE"),
    ("Frankreich", "FR"), ("Francia", "FR"), ("Frankrijk", "FR"), ("法国", "FR"), ("フランス", "FR"),
    ("프랑스", "FR"), ("Франция", "FR"),
    ("España", "ES"), ("Espagne", "ES"), ("Spanien", "ES"), ("Spagna", "ES"), ("西班牙", "ES"),
    ("スペイン", "ES"), ("Испания", "ES"),
    ("Italia", "IT"), ("Italien", "IT"), ("Italie", "IT"), ("意大利", "IT"), ("イタリア", "IT"), ("Италия", "IT"),
    ("Nederland", "NL"), ("Holland", "NL"), ("Niederlande", "NL"), ("Pays-Bas", "NL"), ("Países Bajos", "NL"),
    ("Netherlands, Kingdom of the", "NL"), ("荷兰", "NL"),
    ("België", "BE"), ("Belgique", "BE"), ("Belgien", "BE"), ("Belgio", "BE"),
    ("Schweiz", "CH"), ("Suisse", "CH"), ("Svizzera", "CH"), ("Svizra", "CH"), ("Helvetia", "CH"),
    ("Österreich", "AT"), ("Autriche", "AT"), ("Sverige", "SE"), ("Norge", "NO"), ("Noreg", "NO"),
    ("Danmark", "DK"), ("Suomi", "FI"), ("Ísland", "IS"), ("Éire", "IE"), ("Republic of Ireland", "IE"),
    ("Polska", "PL"), ("Česko", "CZ"), ("Česká republika", "CZ"), ("Czech Republic", "CZ"),
    ("Slovensko", "SK"), ("Slovak Republic", "SK"), ("Magyarország", "HU"), ("România", "RO"),
    ("България", "BG"), ("Ελλάδα", "GR"), ("Ελλάς", "GR"), ("Hellas", "GR"), ("Κύπρος", "CY"),
    ("Turkey", "TR"), ("Hrvatska", "HR"), ("Srbija", "RS"), ("Србија", "RS"), ("Slovenija", "SI"),
    ("Bosnia", "BA"), ("Bosna i Hercegovina", "BA"), ("Crna Gora", "ME"), ("Macedonia", "MK"),
    ("Северна Македонија", "MK"), ("Shqipëria", "AL"), ("Eesti", "EE"), ("Latvija", "LV"),
    ("Lietuva", "LT"), ("Moldova", "MD"), ("Україна", "UA"), ("Украина", "UA"), ("Беларусь", "BY"),
    ("Russia", "RU"), ("Россия", "RU"), ("Российская Федерация", "RU"), ("Rossiya", "RU"),
    ("Қазақстан", "KZ"), ("Казахстан", "KZ"), ("Sakartvelo", "GE"), ("საქართველო", "GE"),
    ("Hayastan", "AM"), ("Հայաստան", "AM"), ("Azərbaycan", "AZ"), ("Oʻzbekiston", "UZ"),
    ("Vatican", "VA"), ("Vatican City", "VA"), ("Holy See", "VA"),
    // Asia
    ("Bharat", "IN"), ("भारत", "IN"), ("Hindustan", "IN"), ("پاکستان", "PK"), ("বাংলাদেশ", "BD"),
    ("नेपाल", "NP"), ("Ceylon", "LK"),
    ("中国", "CN"), ("中國", "CN"), ("中华人民共和国", "CN"), ("中華人民共和國", "CN"), ("Zhongguo", "CN"),
    ("PRC", "CN"), ("People's Republic of China", "CN"), ("Mainland China", "CN"),
    ("Taiwan", "TW"), ("台灣", "TW"), ("臺灣", "TW"), ("台湾", "TW"), ("中華民國", "TW"),
    ("Republic of China", "TW"), ("香港", "HK"), ("Hong Kong SAR", "HK"), ("Macau", "MO"),
    ("澳門", "MO"), ("澳门", "MO"),
    ("日本", "JP"), ("日本国", "JP"), ("Nippon", "JP"), ("Nihon", "JP"),
    ("South Korea", "KR"), ("Korea", "KR"), ("Republic of Korea", "KR"), ("Korea, South", "KR"),
    ("대한민국", "KR"), ("한국", "KR"), ("North Korea", "KP"), ("DPRK", "KP"), ("Korea, North", "KP"),
    ("조선민주주의인민공화국", "KP"),
    ("Vietnam", "VN"), ("Việt Nam", "VN"), ("Laos", "LA"), ("Burma", "MM"), ("Brunei", "BN"),
    ("ประเทศไทย", "TH"), ("ไทย", "TH"), ("Pilipinas", "PH"), ("新加坡", "SG"), ("Singapura", "SG"),
    ("East Timor", "TL"), ("Kyrgyz Republic", "KG"),
    // Middle East and Africa
    ("ישראל", "IL"), ("Iran", "IR"), ("Persia", "IR"), ("ایران", "IR"), ("العراق", "IQ"),
    ("Syria", "SY"), ("سوريا", "SY"), ("Palestine", "PS"), ("الأردن", "JO"), ("لبنان", "LB"), ("Liban", "LB"),
    ("UAE", "AE"), ("U.A.E.", "AE"), ("Emirates", "AE"), ("الإمارات", "AE"), ("الإمارات العربية المتحدة", "AE"),
    ("KSA", "SA"), ("Saudi", "SA"), ("السعودية", "SA"), ("المملكة العربية السعودية", "SA"),
    ("قطر", "QA"), ("الكويت", "KW"), ("عمان", "OM"), ("البحرين", "BH"),
    ("مصر", "EG"), ("Misr", "EG"), ("المغرب", "MA"), ("Maroc", "MA"), ("Marruecos", "MA"),
    ("الجزائر", "DZ"), ("Algérie", "DZ"), ("تونس", "TN"), ("Tunisie", "TN"),
    ("Ivory Coast", "CI"), ("Cape Verde", "CV"), ("Swaziland", "SZ"), ("Tanzania", "TZ"),
    ("Democratic Republic of the Congo", "CD"), ("DR Congo", "CD"), ("DRC", "CD"), ("Congo-Kinshasa", "CD"),
    ("Republic of the Congo", "CG"), ("Congo-Brazzaville", "CG"), ("Suid-Afrika", "ZA"), ("RSA", "ZA"),
    // Americas
    ("México", "MX"), ("Mexique", "MX"), ("Brasil", "BR"), ("Brésil", "BR"), ("Perú", "PE"),
    ("Panamá", "PA"), ("Bolivia", "BO"), ("Venezuela", "VE"), ("Falkland Islands", "FK"),
    ("Saint Martin", "MF"), ("Sint Maarten", "SX"), ("Saint Helena", "SH"), ("Sao Tome", "ST"),
    ("Trinidad", "TT"), ("Antigua", "AG"), ("Micronesia", "FM"), ("Curacao", "CW"),
];

/// Maps a country as typed — ISO alpha-2 or alpha-3 code, ISO English short name, or a
/// common alias or endonym — to its ISO 3166-1 alpha-2 code, the form GHL's `country`
/// takes. Case, diacritics, punctuation, spacing and a leading "the" are ignored; "St." is
/// read as "Saint". Unknown or ambiguous input gives `None`.
///
/// ```
/// use ghl_bridge::phone::country_code;
/// assert_eq!(country_code("U.S.A."), Some("US"));
/// assert_eq!(country_code("Deutschland"), Some("DE"));
/// assert_eq!(country_code("ελλάδα"), Some("GR"));
/// assert_eq!(country_code("Atlantis"), None);
/// ```
pub fn country_code(name_or_code: &str) -> Option<&'static str> {
    let s = name_or_code.trim();
    if s.is_empty() || s.len() > 100 {
        return None;
    }
    if let Some(code) = by_code(s) {
        return Some(code);
    }
    let key = fold_key(s);
    if key.is_empty() {
        return None;
    }
    if let Some(code) = by_code(&key) {
        return Some(code);
    }
    COUNTRIES
        .iter()
        .map(|(a2, _, name)| (*name, *a2))
        .chain(ALIASES.iter().copied())
        .find(|(name, _)| fold_key(name) == key)
        .map(|(_, code)| code)
}

/// The ISO English short name of an alpha-2 code ("GB" → "United Kingdom").
pub fn country_name(alpha2: &str) -> Option<&'static str> {
    COUNTRIES.iter().find(|(a2, _, _)| a2.eq_ignore_ascii_case(alpha2.trim())).map(|(_, _, n)| *n)
}

/// Every ISO 3166-1 country as (alpha-2, English short name), in code order: the choices of
/// the installation page's default-country setting.
pub fn countries() -> impl Iterator<Item = (&'static str, &'static str)> {
    COUNTRIES.iter().map(|(a2, _, n)| (*a2, *n))
}

/// An alpha-2 or alpha-3 code, case-insensitively.
fn by_code(s: &str) -> Option<&'static str> {
    if !s.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    COUNTRIES.iter().find(|(a2, a3, _)| a2.eq_ignore_ascii_case(s) || a3.eq_ignore_ascii_case(s)).map(|(a2, _, _)| *a2)
}

/// The comparison key of a name: lower case, diacritics folded, punctuation dropped, the
/// word "the" left out, "st"/"ste" read as "saint"/"sainte", "&" as "and", and no spaces.
fn fold_key(s: &str) -> String {
    fn end_word(word: &mut String, words: &mut Vec<String>) {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            // Marks and joiners that belong inside a word.
            '\'' | '’' | '‘' | '`' | '´' | 'ʻ' | 'ʼ' | '.' | '\u{200C}' | '\u{200D}' | '\u{0300}'..='\u{036F}' => {}
            '&' => {
                end_word(&mut word, &mut words);
                words.push("and".into());
            }
            c if c.is_alphanumeric() || is_mark(c) => fold_char(c, &mut word),
            _ => end_word(&mut word, &mut words),
        }
    }
    end_word(&mut word, &mut words);
    let mut out = String::new();
    for w in &words {
        match w.as_str() {
            "the" => {}
            "st" => out.push_str("saint"),
            "ste" => out.push_str("sainte"),
            w => out.push_str(w),
        }
    }
    out
}

/// Combining marks of the Brahmic and other scripts (vowel signs, viramas): part of a word.
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0900..=0x0DFF | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x0591..=0x05C7 | 0x064B..=0x065F)
}

/// Appends `c` with Latin, Greek, Cyrillic and Arabic diacritics folded.
fn fold_char(c: char, out: &mut String) {
    let base = match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' | '\u{1EA0}'..='\u{1EB7}' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' | 'ð' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ə' | '\u{1EB8}'..='\u{1EC7}' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | '\u{1EC8}'..='\u{1ECB}' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ơ' | '\u{1ECC}'..='\u{1EE3}' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ư' | '\u{1EE4}'..='\u{1EF1}' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' | '\u{1EF2}'..='\u{1EF9}' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        'ß' => return out.push_str("ss"),
        'æ' => return out.push_str("ae"),
        'œ' => return out.push_str("oe"),
        'þ' => return out.push_str("th"),
        // Greek tonos and dialytika, final sigma.
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        'ς' => 'σ',
        // Cyrillic yo.
        'ё' => 'е',
        // Arabic alef with hamza or madda, alef maqsura.
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' => 'ي',
        c => c,
    };
    out.push(base);
}

#[cfg(all(test, not(target_arch = "wasm32")))] // proptest is a host-only dev-dependency
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(raw: &str, country: &str) -> String {
        to_e164(raw, country).unwrap_or_else(|e| panic!("{raw:?} in {country}: {e:?}"))
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(ok("020 7946 0958", "GB"), "+442079460958");
        assert_eq!(ok("098765 43210", "IN"), "+919876543210");
        assert_eq!(ok("(415) 555-0132", "US"), "+14155550132");
        assert_eq!(ok("1-415-555-0132", "US"), "+14155550132");
        assert_eq!(ok("030 1234567", "DE"), "+49301234567");
    }

    #[test]
    fn international_prefixes() {
        for raw in ["+44 20 7946 0958", "0044 20 7946 0958", "+44 (0)20 7946 0958", "(+44) 020 7946 0958", "+44-20-7946-0958"] {
            assert_eq!(ok(raw, "US"), "+442079460958", "{raw}");
        }
        assert_eq!(ok("011 44 20 7946 0958", "US"), "+442079460958");
        assert_eq!(ok("011 44 20 7946 0958", "CA"), "+442079460958");
        // 011 is a national number in the UK (Leeds is 0113), not a prefix.
        assert_eq!(ok("0113 496 0000", "GB"), "+441134960000");
        assert_eq!(ok("0011 1 415 555 0132", "AU"), "+14155550132");
        assert_eq!(ok("010 1 415 555 0132", "JP"), "+14155550132");
        assert_eq!(ok("810 44 20 7946 0958", "RU"), "+442079460958");
        assert_eq!(ok("00 91 98765 43210", "FR"), "+919876543210");
        // Any country works for an international number, even with no default.
        assert_eq!(ok("+91 98765 43210", ""), "+919876543210");
        assert_eq!(ok("+91 98765 43210", "Atlantis"), "+919876543210");
    }

    #[test]
    fn national_numbers_of_many_countries() {
        let cases = [
            ("06 12 34 56 78", "FR", "+33612345678"),
            ("07700 900123", "GB", "+447700900123"),
            ("06 1234 5678", "IT", "+390612345678"),
            ("+39 06 1234 5678", "GB", "+390612345678"),
            ("612 34 56 78", "ES", "+34612345678"),
            ("8 (495) 123-45-67", "RU", "+74951234567"),
            ("+7 800 123 45 67", "US", "+78001234567"),
            ("8 800 123 45 67", "RU", "+78001234567"),
            ("090-1234-5678", "JP", "+819012345678"),
            ("03-1234-5678", "JP", "+81312345678"),
            ("010-1234-5678", "KR", "+821012345678"),
            ("138 0013 8000", "CN", "+8613800138000"),
            ("0412 345 678", "AU", "+61412345678"),
            ("(11) 98765-4321", "BR", "+5511987654321"),
            ("55 1234 5678", "MX", "+525512345678"),
            ("01 55 1234 5678", "MX", "+525512345678"),
            ("+52 1 55 1234 5678", "US", "+525512345678"),
            ("06 1 234 5678", "HU", "+3612345678"),
            ("8 029 123 45 67", "BY", "+375291234567"),
            ("9123 4567", "SG", "+6591234567"),
            ("050 123 4567", "AE", "+971501234567"),
            ("0812-3456-789", "ID", "+628123456789"),
            ("076 123 45 67", "CH", "+41761234567"),
            ("0612345678", "NL", "+31612345678"),
            ("512 345 678", "PL", "+48512345678"),
            ("0532 123 45 67", "TR", "+905321234567"),
            ("082 123 4567", "ZA", "+27821234567"),
            ("0803 123 4567", "NG", "+2348031234567"),
            ("9876543210", "IN", "+919876543210"),
            ("919876543210", "IN", "+919876543210"),
            ("44 020 7946 0958", "GB", "+442079460958"),
        ];
        for (raw, cc, want) in cases {
            assert_eq!(ok(raw, cc), want, "{raw} in {cc}");
        }
    }

    #[test]
    fn freshsales_recorded_numbers() {
        assert_eq!(ok("19265559504", "US"), "+19265559504");
        assert_eq!(ok("9988776655", "IN"), "+919988776655");
        assert_eq!(ok("+919999999999", "US"), "+919999999999");
        assert_eq!(to_e164("1000", "US"), Err(PhoneError::TooShort));
    }

    #[test]
    fn default_country_by_name_or_code() {
        for c in ["GB", "gb", "GBR", "United Kingdom", "UK", "England"] {
            assert_eq!(ok("020 7946 0958", c), "+442079460958", "{c}");
        }
        assert_eq!(to_e164("020 7946 0958", ""), Err(PhoneError::UnknownCountry));
        assert_eq!(to_e164("020 7946 0958", "Narnia"), Err(PhoneError::UnknownCountry));
        // Known country, no plan in the table: national numbers cannot be read.
        assert_eq!(to_e164("7712 3456", "Tonga"), Err(PhoneError::UnknownCountry));
        assert_eq!(calling_code("United Kingdom"), Some("44"));
        assert_eq!(calling_code("Puerto Rico"), Some("1"));
        assert_eq!(calling_code("TO"), None);
    }

    #[test]
    fn extensions_are_dropped() {
        for raw in [
            "(415) 555-0132 ext. 12",
            "(415) 555-0132 ext 12",
            "415.555.0132 x12",
            "415-555-0132x12",
            "415 555 0132 #12",
            "415 555 0132, 12",
            "415 555 0132;ext=12",
            "tel:+1-415-555-0132",
            "415 555 0132 Extension 5",
        ] {
            assert_eq!(ok(raw, "US"), "+14155550132", "{raw}");
        }
        assert_eq!(ok("8 495 123-45-67 доб. 123", "RU"), "+74951234567");
    }

    #[test]
    fn other_scripts_digits_and_full_width_forms() {
        assert_eq!(ok("０９０-１２３４-５６７８", "JP"), "+819012345678");
        assert_eq!(ok("＋８１ ９０ １２３４ ５６７８", "US"), "+819012345678");
        assert_eq!(ok("٠٥٠ ١٢٣ ٤٥٦٧", "AE"), "+971501234567");
        assert_eq!(ok("۰۹۱۲ ۳۴۵ ۶۷۸۹", "IR"), "+989123456789");
        assert_eq!(ok("०९८७६५ ४३२१०", "IN"), "+919876543210");
        assert_eq!(ok("020\u{00A0}7946\u{202F}0958", "GB"), "+442079460958");
        assert_eq!(ok("020–7946–0958", "GB"), "+442079460958");
    }

    #[test]
    fn rejections() {
        use PhoneError::*;
        let cases: [(&str, &str, PhoneError); 19] = [
            ("", "US", Empty),
            ("   ", "US", Empty),
            ("--", "US", Empty),
            ("1-800-FLOWERS", "US", Letters),
            ("1-800-TAXI", "US", Letters),
            ("call me", "US", Letters),
            ("Mobile: 415 555 0132", "US", Letters),
            ("415*555*0132", "US", Format),
            ("415 555 0132!", "US", Format),
            ("+1 +415 555 0132", "US", Format),
            ("415 +555 0132", "US", Format),
            ("555 0132", "US", TooShort),
            ("415 555 01322", "US", TooLong),
            ("(015) 555-0132", "US", Invalid),
            ("(415) 155-0132", "US", Invalid),
            ("+44 20 7946 0958 1234 5678", "US", TooLong),
            ("+0 44 20", "US", Invalid),
            ("+999", "US", TooShort),
            ("+999 1234 5678 9012 3456", "US", TooLong),
        ];
        for (raw, cc, want) in cases {
            assert_eq!(to_e164(raw, cc), Err(want), "{raw} in {cc}");
        }
        assert_eq!(to_e164("+44 00 2079 4609", "GB"), Err(Invalid), "trunk prefix twice");
        assert_eq!(to_e164(&"1".repeat(10_000), "US"), Err(TooLong));
        assert!(!PhoneError::Letters.message().is_empty());
    }

    #[test]
    fn unknown_calling_codes_use_generic_bounds() {
        assert_eq!(ok("+676 12345", "US"), "+67612345");
        assert_eq!(ok("00 218 91 234 5678", "GB"), "+218912345678");
        assert_eq!(to_e164("+676 123", "US"), Err(PhoneError::TooShort));
    }

    #[test]
    fn plans_are_consistent() {
        for p in PLANS {
            assert!(country_name(p.iso).is_some(), "{} is an ISO code", p.iso);
            assert!(p.min <= p.max && p.min >= 4 && p.cc.len() + p.max as usize <= E164_MAX, "{}", p.iso);
            assert!(p.cc.bytes().all(|b| b.is_ascii_digit()) && !p.cc.starts_with('0'), "{}", p.iso);
            assert_eq!(PLANS.iter().filter(|q| q.iso == p.iso).count(), 1, "{} twice", p.iso);
            // Countries sharing a calling code share the plan (international() relies on it).
            let first = PLANS.iter().find(|q| q.cc == p.cc).unwrap();
            assert_eq!((first.trunk, first.min, first.max), (p.trunk, p.min, p.max), "{}", p.iso);
            // Calling codes are prefix-free.
            for q in PLANS {
                assert!(q.cc == p.cc || !q.cc.starts_with(p.cc), "{} / {}", p.cc, q.cc);
            }
        }
        assert!(PLANS.len() >= 60);
        for (cc, _) in IDD {
            assert!(PLANS.iter().any(|p| p.cc == *cc));
        }
    }

    #[test]
    fn country_names_codes_and_endonyms() {
        let cases = [
            ("United States", "US"), ("USA", "US"), ("U.S.A.", "US"), ("us", "US"), ("U. S. A.", "US"),
            ("America", "US"), ("united states of america", "US"), ("United Kingdom", "GB"), ("UK", "GB"),
            ("U.K.", "GB"), ("Great Britain", "GB"), ("England", "GB"), ("Deutschland", "DE"),
            ("Germany", "DE"), ("DEU", "DE"), ("India", "IN"), ("Bharat", "IN"), ("भारत", "IN"),
            ("España", "ES"), ("Espana", "ES"), ("Spain", "ES"), ("México", "MX"), ("MEXICO", "MX"),
            ("Россия", "RU"), ("россия", "RU"), ("Russia", "RU"), ("Russian Federation", "RU"),
            ("Ελλάδα", "GR"), ("ΕΛΛΑΔΑ", "GR"), ("Greece", "GR"), ("日本", "JP"), ("Japan", "JP"),
            ("中国", "CN"), ("China", "CN"), ("Brasil", "BR"), ("Brazil", "BR"),
            ("Côte d'Ivoire", "CI"), ("Cote dIvoire", "CI"), ("COTE D’IVOIRE", "CI"), ("Ivory Coast", "CI"),
            ("Türkiye", "TR"), ("Turkiye", "TR"), ("Turkey", "TR"), ("Korea, Republic of", "KR"),
            ("South Korea", "KR"), ("대한민국", "KR"), ("North Korea", "KP"), ("Viet Nam", "VN"),
            ("Vietnam", "VN"), ("Việt Nam", "VN"), ("St. Lucia", "LC"), ("Saint Lucia", "LC"),
            ("St Kitts and Nevis", "KN"), ("Antigua & Barbuda", "AG"), ("Trinidad and Tobago", "TT"),
            ("The Netherlands", "NL"), ("Netherlands", "NL"), ("Holland", "NL"), ("Nederland", "NL"),
            ("the Gambia", "GM"), ("Guinea-Bissau", "GW"), ("Guinea Bissau", "GW"), ("Åland Islands", "AX"),
            ("Aland Islands", "AX"), ("Curaçao", "CW"), ("Réunion", "RE"), ("Saint Barthélemy", "BL"),
            ("Congo, The Democratic Republic of the", "CD"), ("DR Congo", "CD"), ("Congo", "CG"),
            ("Czech Republic", "CZ"), ("Czechia", "CZ"), ("Česko", "CZ"), ("Österreich", "AT"),
            ("Schweiz", "CH"), ("Suisse", "CH"), ("Magyarország", "HU"),
            ("Polska", "PL"), ("Sverige", "SE"), ("Suomi", "FI"), ("UAE", "AE"), ("الإمارات", "AE"),
            ("الامارات", "AE"), ("مصر", "EG"), ("ישראל", "IL"), ("Україна", "UA"), ("台灣", "TW"),
            ("Taiwan", "TW"), ("香港", "HK"), ("ประเทศไทย", "TH"), ("Virgin Islands, U.S.", "VI"),
            ("British Virgin Islands", "VG"), ("Bolivia", "BO"), ("Iran", "IR"), ("  germany  ", "DE"),
            ("Holy See (Vatican City State)", "VA"), ("Vatican", "VA"), ("Eswatini", "SZ"), ("Swaziland", "SZ"),
        ];
        for (input, want) in cases {
            assert_eq!(country_code(input), Some(want), "{input}");
        }
        for bad in ["", "  ", "Atlantis", "X", "ZZ", "ZZZ", "Europe", "...", "the", &"a".repeat(500)] {
            assert_eq!(country_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_country_table_is_complete_and_unambiguous() {
        assert_eq!(COUNTRIES.len(), 249);
        let mut seen = std::collections::BTreeMap::new();
        for (a2, a3, name) in COUNTRIES {
            assert!(a2.len() == 2 && a3.len() == 3 && a2.bytes().chain(a3.bytes()).all(|b| b.is_ascii_uppercase()));
            assert_eq!(country_code(a2), Some(*a2));
            assert_eq!(country_code(&a3.to_lowercase()), Some(*a2));
            assert_eq!(country_code(name), Some(*a2), "{name}");
            assert_eq!(country_code(&name.to_uppercase()), Some(*a2), "{name}");
            assert!(seen.insert(fold_key(name), *a2).is_none(), "{name} folds like another name");
        }
        let codes: std::collections::BTreeSet<_> = COUNTRIES.iter().flat_map(|(a2, a3, _)| [*a2, *a3]).collect();
        assert_eq!(codes.len(), 2 * 249, "codes are unique");
        for (alias, code) in ALIASES {
            assert!(country_name(code).is_some(), "{alias} → {code}");
            let key = fold_key(alias);
            assert!(!key.is_empty(), "{alias}");
            if let Some(prev) = seen.insert(key.clone(), *code) {
                assert_eq!(prev, *code, "{alias} is ambiguous");
            }
            // An alias that reads like a code must not shadow another country's code.
            if let Some(c) = by_code(&key) {
                assert_eq!(c, *code, "{alias} is another country's code");
            }
            assert_eq!(country_code(alias), Some(*code), "{alias}");
        }
        assert_eq!(countries().count(), 249);
        assert_eq!(country_name("gb"), Some("United Kingdom"));
    }

    fn e164_shape(s: &str) -> bool {
        let d = &s[1..];
        s.starts_with('+') && (E164_MIN..=E164_MAX).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the input, an accepted number is E.164 and normalizing it again is a no-op.
        #[test]
        fn output_is_e164_and_stable(raw in "[+]?[0-9 ().x#-]{0,24}", idx in 0usize..PLANS.len()) {
            let country = PLANS[idx].iso;
            if let Ok(n) = to_e164(&raw, country) {
                prop_assert!(e164_shape(&n), "{raw:?} → {n}");
                prop_assert_eq!(to_e164(&n, country), Ok(n.clone()));
                prop_assert_eq!(to_e164(&n, "US"), Ok(n));
            }
        }

        /// Formatting between digits never changes the result.
        #[test]
        fn formatting_is_ignored(nsn in "[2-9][0-9]{2}[2-9][0-9]{6}", seps in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("-"), Just("."), Just(" / ")], 10)) {
            let plain = to_e164(&nsn, "US").unwrap();
            let mut typed = String::new();
            for (c, sep) in nsn.chars().zip(&seps) {
                typed.push(c);
                typed.push_str(sep);
            }
            prop_assert_eq!(to_e164(&typed, "US"), Ok(plain.clone()));
            prop_assert_eq!(to_e164(&format!("+1 ({}) {}", &nsn[..3], &nsn[3..]), "DE"), Ok(plain));
        }

        /// Arbitrary text never panics.
        #[test]
        fn never_panics(raw in "\\PC{0,40}", country in "\\PC{0,12}") {
            let _ = to_e164(&raw, &country);
            let _ = country_code(&raw);
        }

        /// Names are found whatever their case and spacing.
        #[test]
        fn names_survive_case_and_spacing(idx in 0usize..249, upper in proptest::collection::vec(any::<bool>(), 64), pad in "[ ]{0,3}") {
            let (a2, _, name) = COUNTRIES[idx];
            let mixed: String = name.chars().zip(upper.iter().cycle()).map(|(c, &u)| if u { c.to_uppercase().next().unwrap() } else { c }).collect();
            prop_assert_eq!(country_code(&format!("{pad}{mixed}{pad}")), Some(a2));
        }
    }
}
