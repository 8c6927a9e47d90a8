//! Ids: the generators the stand-ins use for new records (deterministic, so runs repeat), and
//! the ids of the default seed's notable contacts for tests.

/// A 20-character Firestore-style GHL id (`[A-Za-z0-9]`), the `n`-th of a sequence.
pub fn ghl_id(n: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state = n ^ 0x5EED_61A1_0000_0000;
    let mut out = String::with_capacity(20);
    while out.len() < 20 {
        let mut r = splitmix64(&mut state);
        for _ in 0..10 {
            if out.len() == 20 {
                break;
            }
            out.push(ALPHABET[(r % 62) as usize] as char);
            r /= 62;
        }
    }
    out
}

/// A Freshsales record id (a large integer, > 2^32) for the `n`-th record created in a
/// stand-in; seeded records use ids below [`FS_CREATED_BASE`].
pub fn fs_id(n: u64) -> u64 {
    FS_CREATED_BASE + n
}

/// Where ids of records created at run time start.
pub const FS_CREATED_BASE: u64 = 70_100_000_000;

/// A trace id, UUID-shaped.
pub fn trace_id(n: u64, now_ms: i64) -> String {
    let mut state = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ now_ms as u64;
    let (a, b) = (splitmix64(&mut state), splitmix64(&mut state));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Notable records of the default seed (`devhost/seed/default.json`), checked against the
/// file by this module's tests. Freshsales ids are decimal strings, as link records hold them.
pub mod default_seed {
    /// The location.
    pub const LOCATION: &str = "loc_demo_0001";
    /// A linked contact with a full history: tasks (open, completed, overdue), notes,
    /// appointments, tags and custom fields on GHL.
    pub const LINKED_FS: &str = "70042006401";
    /// Its GHL contact.
    pub const LINKED_GHL: &str = "gCnt01AdaLovelace001";
    /// The linked contact with many items (dozens of tasks, notes and appointments).
    pub const MANY_ITEMS_FS: &str = "70042006402";
    /// Its GHL contact.
    pub const MANY_ITEMS_GHL: &str = "gCnt02JoseNunez00002";
    /// The linked contact with no activity at all on GHL.
    pub const NO_ACTIVITY_FS: &str = "70042006403";
    /// Its GHL contact.
    pub const NO_ACTIVITY_GHL: &str = "gCnt03AnnaKuznetsova";
    /// Matches a GHL contact by email only (different case in Freshsales).
    pub const EMAIL_ONLY_FS: &str = "70042006420";
    /// The GHL contact it matches.
    pub const EMAIL_ONLY_GHL: &str = "gCnt20WangFang000020";
    /// Matches by phone only: a US number typed `(415) 555-0134`.
    pub const PHONE_ONLY_US_FS: &str = "70042006430";
    /// The GHL contact it matches (`+14155550134`).
    pub const PHONE_ONLY_US_GHL: &str = "gCnt30MarcusBell0030";
    /// Matches by phone only: a GB number typed `+44 7700 900123`.
    pub const PHONE_ONLY_GB_FS: &str = "70042006431";
    /// The GHL contact it matches (`+447700900123`).
    pub const PHONE_ONLY_GB_GHL: &str = "gCnt31OliviaHughes31";
    /// Matches by phone only: an IN number typed `+91-98765-43210`.
    pub const PHONE_ONLY_IN_FS: &str = "70042006432";
    /// The GHL contact it matches (`+919876543210`).
    pub const PHONE_ONLY_IN_GHL: &str = "gCnt32PriyaSharma032";
    /// Has no GHL counterpart at all.
    pub const UNMATCHED_FS: &str = "70042006440";
    /// A GHL contact with no Freshsales counterpart.
    pub const UNMATCHED_GHL: &str = "gCnt50LiamOConnor050";
    /// Linked to a GHL contact that has since been deleted (GET answers 400).
    pub const STALE_LINK_FS: &str = "70042006409";
    /// The deleted GHL contact.
    pub const STALE_LINK_GHL: &str = "gCnt09DeletedKarl009";
    /// Its email matches one GHL contact and its phone another.
    pub const AMBIGUOUS_FS: &str = "70042006450";
    /// The GHL contact with the ambiguous contact's email.
    pub const AMBIGUOUS_EMAIL_GHL: &str = "gCnt40SamuelRivera40";
    /// The GHL contact with the ambiguous contact's phone.
    pub const AMBIGUOUS_PHONE_GHL: &str = "gCnt41SamanthaRivera";
    /// A Freshsales contact with neither email nor phone.
    pub const NO_CONTACT_DETAILS_FS: &str = "70042006445";
    /// A business (`businessId`) with three GHL contacts.
    pub const BUSINESS: &str = "641c094001436dbc2081e642";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_apis_shapes() {
        let a = ghl_id(1);
        assert_eq!(a.len(), 20);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, ghl_id(2));
        assert_eq!(a, ghl_id(1), "deterministic");
        assert!(fs_id(1) > u64::from(u32::MAX));
        let t = trace_id(7, 1_700_000_000_000);
        assert_eq!(t.len(), 36);
        assert_eq!(t.matches('-').count(), 4);
        assert_ne!(t, trace_id(8, 1_700_000_000_000));
    }
}
