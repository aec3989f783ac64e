//! Seed data: the demo reseller with a realistic sub-account tree, an empty platform, or N
//! generated accounts for scale tests. IDs derive from names, so every seed is reproducible.

use crate::clock::{Clock, GREGORIAN_OFFSET};
use crate::model::{Account, State, User};
use md5::{Digest, Md5};
use serde_json::{json, Map, Value};
use sha1::Sha1;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub const DEMO_ACCOUNT_NAME: &str = "Demo Reseller";
pub const DEMO_USERNAME: &str = "admin";
pub const DEMO_PASSWORD: &str = "demo";
/// A second admin of the demo reseller with a password found nowhere else, so tests can prove
/// a password never reaches disk or logs.
pub const AUDITOR_USERNAME: &str = "auditor";
pub const AUDITOR_PASSWORD: &str = "Correct-Horse-Battery-Staple-42";
const MASTER_NAME: &str = "Platform Master";
const SUFFIX: &str = "sip.deskdemo.net";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seed {
    /// "Demo Reseller" under the platform master, with about 25 sub-accounts.
    Demo,
    /// The master and an empty "Demo Reseller".
    Empty,
    /// The master, "Demo Reseller" and N generated sub-accounts.
    Scale(usize),
}

impl FromStr for Seed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "demo" => Ok(Seed::Demo),
            "empty" => Ok(Seed::Empty),
            _ => s
                .strip_prefix("scale:")
                .and_then(|n| n.parse().ok())
                .map(Seed::Scale)
                .ok_or_else(|| format!("unknown seed “{s}”: use demo, empty or scale:N")),
        }
    }
}

fn hex_md5(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

pub fn account_id(name: &str) -> String {
    hex_md5(&format!("account:{name}"))
}

/// Kazoo credentials: hex hash of `"<lower-case username>:<password>"`.
pub(crate) fn credentials(username: &str, password: &str) -> (String, String) {
    let input = format!("{}:{password}", username.to_lowercase());
    (hex_md5(&input), hex::encode(Sha1::digest(input.as_bytes())))
}

struct Builder {
    state: State,
    created: i64,
}

/// Everything one seeded account needs.
struct Spec<'a> {
    name: &'a str,
    parent: &'a str,
    realm: String,
    doc: Value,
    trunks: Option<(u32, u32, u32)>,
    admin: (&'a str, &'a str),
    plain_users: &'a [(&'a str, &'a str, &'a str)],
}

impl Builder {
    fn new(dir: PathBuf, ttl: Duration, clock: Clock) -> Self {
        let master_id = account_id(MASTER_NAME);
        let state = State {
            dir,
            token_ttl: ttl,
            clock,
            master_id,
            accounts: BTreeMap::new(),
            limits: HashMap::new(),
            users: HashMap::new(),
            callflows: HashMap::new(),
            tokens: HashMap::new(),
            books: HashMap::new(),
            fingerprints: HashMap::new(),
            nonces: HashMap::new(),
            last_tick: 0,
            platform: Default::default(),
            local_only: None,
        };
        // 2024-01-15 00:00 UTC, in Gregorian seconds.
        Self {
            state,
            created: 1_705_276_800 + GREGORIAN_OFFSET,
        }
    }

    fn add(&mut self, spec: Spec<'_>, is_reseller: bool, plan: Option<&str>) -> String {
        let id = account_id(spec.name);
        let tree = match self.state.accounts.get(&account_id(spec.parent)) {
            Some(parent) => {
                let mut t = parent.tree.clone();
                t.push(parent.id.clone());
                t
            }
            None => Vec::new(),
        };
        let mut doc: Map<String, Value> = spec.doc.as_object().cloned().unwrap_or_default();
        doc.insert("name".into(), spec.name.into());
        doc.insert("realm".into(), spec.realm.into());
        doc.entry("ui_restrictions").or_insert_with(ui_restrictions);
        self.created += 86_400 * 3;
        self.state.accounts.insert(
            id.clone(),
            Account {
                id: id.clone(),
                doc,
                tree,
                created: self.created,
                modified: self.created,
                rev: 1,
                is_reseller,
                superduper_admin: spec.name == MASTER_NAME,
                enabled: true,
                api_key: format!(
                    "{}{}",
                    hex_md5(&format!("api-key-1:{id}")),
                    hex_md5(&format!("api-key-2:{id}"))
                ),
                plan: plan.map(str::to_owned),
            },
        );
        if let Some((i, o, t)) = spec.trunks {
            let limits = json!({"inbound_trunks": i, "outbound_trunks": o, "twoway_trunks": t, "allow_prepay": true});
            if let Value::Object(m) = limits {
                self.state.limits.insert(id.clone(), m);
            }
        }
        let mut users = vec![user(&id, DEMO_USERNAME, DEMO_PASSWORD, spec.admin, "admin")];
        users.extend(
            spec.plain_users
                .iter()
                .map(|(u, f, l)| user(&id, u, DEMO_PASSWORD, (f, l), "user")),
        );
        if spec.name == DEMO_ACCOUNT_NAME {
            users.push(user(
                &id,
                AUDITOR_USERNAME,
                AUDITOR_PASSWORD,
                ("Audrey", "Nakamura"),
                "admin",
            ));
        }
        self.state.users.insert(id.clone(), users);
        id
    }

    fn master_and_reseller(&mut self) {
        self.add(
            Spec {
                name: MASTER_NAME,
                parent: "",
                realm: format!("master.{SUFFIX}"),
                doc: json!({"timezone": "America/Los_Angeles", "language": "en-US"}),
                trunks: None,
                admin: ("Platform", "Operator"),
                plain_users: &[],
            },
            true,
            None,
        );
        let reseller = self.add(
            Spec {
                name: DEMO_ACCOUNT_NAME,
                parent: MASTER_NAME,
                realm: format!("demo-reseller.{SUFFIX}"),
                doc: json!({
                    "timezone": "America/Chicago",
                    "language": "en-US",
                    "contact": {
                        "technical": {"name": "Dana Whitfield", "email": "noc@deskdemo.net", "number": "+13125550142"},
                        "billing": {"first_name": "Marcus", "last_name": "Reyes", "email": "billing@deskdemo.net", "number": "+13125550177",
                                    "street_address": "200 W Adams St", "locality": "Chicago", "region": "IL", "postal_code": "60606", "country": "US"}
                    },
                    "ui_flags": {"numbers_format": "international_with_exceptions", "numbers_format_exceptions": ["US"]},
                    "caller_id_options": {"outbound_privacy": "none"},
                }),
                trunks: Some((10, 10, 20)),
                admin: ("Dana", "Whitfield"),
                plain_users: &[("support", "Sam", "Okafor")],
            },
            true,
            Some("reseller-wholesale"),
        );
        let callflows = reseller_callflows(&reseller, &self.state.users[&reseller]);
        self.state.callflows.insert(reseller, callflows);
    }
}

/// The reseller's main number and one extension per user, as Kazoo's PBX apps would store them.
fn reseller_callflows(account_id: &str, users: &[User]) -> Vec<Map<String, Value>> {
    let mut out = vec![json!({
        "id": hex_md5(&format!("callflow:{account_id}:main")),
        "name": "Main Number",
        "type": "main",
        "numbers": ["+13125550100", "0"],
        "patterns": [],
        "featurecode": false,
        "flow": {"module": "ring_group", "data": {"endpoints": [], "strategy": "simultaneous"}, "children": {}},
    })];
    for (n, u) in users.iter().enumerate() {
        out.push(json!({
            "id": hex_md5(&format!("callflow:{account_id}:{}", u.id)),
            "name": format!("{} {}", u.first_name, u.last_name),
            "owner_id": u.id,
            "numbers": [format!("{}", 2001 + n)],
            "patterns": [],
            "featurecode": false,
            "flow": {"module": "user", "data": {"id": u.id, "timeout": 20}, "children": {}},
        }));
    }
    out.into_iter()
        .filter_map(|v| v.as_object().cloned())
        .collect()
}

fn user(
    account_id: &str,
    username: &str,
    password: &str,
    (first, last): (&str, &str),
    priv_level: &str,
) -> User {
    let (md5, sha1) = credentials(username, password);
    User {
        id: hex_md5(&format!("user:{account_id}:{username}")),
        username: username.to_owned(),
        md5,
        sha1,
        priv_level: priv_level.to_owned(),
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase().replace(' ', "")
        ),
        enabled: true,
        timezone: None,
        ui_flags: json!({"colorblind": false})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        extra: Map::new(),
        rev: 1,
    }
}

/// What Kazoo's web client writes on accounts so it does not rewrite them at first login.
fn ui_restrictions() -> Value {
    let tabs = [
        "account",
        "balance",
        "billing",
        "inbound",
        "outbound",
        "twoway",
        "service_plan",
        "transactions",
        "user",
    ];
    let mut myaccount = Map::new();
    for t in tabs {
        myaccount.insert(t.into(), json!({"show_tab": true}));
    }
    if let Some(Value::Object(b)) = myaccount.get_mut("balance") {
        b.insert("show_credit".into(), true.into());
        b.insert("show_header".into(), true.into());
        b.insert("show_minutes".into(), true.into());
    }
    json!({"myaccount": myaccount})
}

/// One row of the demo tree.
struct Demo {
    name: &'static str,
    parent: &'static str,
    label: &'static str,
    tz: &'static str,
    lang: &'static str,
    format: &'static str,
    exceptions: &'static [&'static str],
    privacy: Option<&'static str>,
    tech: (&'static str, &'static str, &'static str),
    trunks: (u32, u32, u32),
    admin: (&'static str, &'static str),
    users: &'static [(&'static str, &'static str, &'static str)],
}

const R: &str = DEMO_ACCOUNT_NAME;

#[rustfmt::skip]
const DEMO: &[Demo] = &[
    Demo { name: "Acme Dental Group", parent: R, label: "acme-dental", tz: "America/New_York", lang: "en-US", format: "national", exceptions: &[], privacy: Some("none"), tech: ("Priya Natarajan", "it@acmedental.example", "(212) 555-0147"), trunks: (4, 2, 6), admin: ("Priya", "Natarajan"), users: &[("frontdesk", "Lena", "Hoffman")] },
    Demo { name: "Acme Dental — Brooklyn Office", parent: "Acme Dental Group", label: "7c1e9a", tz: "America/New_York", lang: "en-US", format: "national", exceptions: &[], privacy: None, tech: ("Jordan Blake", "brooklyn@acmedental.example", "+17185550163"), trunks: (2, 1, 2), admin: ("Jordan", "Blake"), users: &[] },
    Demo { name: "Acme Dental — Jersey City", parent: "Acme Dental Group", label: "acme-jersey", tz: "America/New_York", lang: "en-US", format: "national", exceptions: &[], privacy: None, tech: ("Maya Chen", "jc@acmedental.example", "+12015550120"), trunks: (1, 1, 2), admin: ("Maya", "Chen"), users: &[] },
    Demo { name: "Bayside Realty", parent: R, label: "bayside", tz: "America/Los_Angeles", lang: "en-US", format: "international", exceptions: &[], privacy: Some("name"), tech: ("Tom Alvarez", "tom@baysiderealty.example", "+14155550199"), trunks: (3, 3, 0), admin: ("Tom", "Alvarez"), users: &[] },
    Demo { name: "Harbor Logistics GmbH", parent: R, label: "harbor-logistics", tz: "Europe/Berlin", lang: "de-DE", format: "international_with_exceptions", exceptions: &["DE"], privacy: Some("none"), tech: ("Katrin Vogel", "it@harbor-logistics.example", "040 30904567"), trunks: (8, 6, 10), admin: ("Katrin", "Vogel"), users: &[("disponent", "Jonas", "Becker")] },
    Demo { name: "Harbor Logistics — Bremen Depot", parent: "Harbor Logistics GmbH", label: "hl-bremen", tz: "Europe/Berlin", lang: "de-DE", format: "international_with_exceptions", exceptions: &["DE"], privacy: None, tech: ("Uwe Krämer", "bremen@harbor-logistics.example", "+494213505100"), trunks: (2, 2, 2), admin: ("Uwe", "Krämer"), users: &[] },
    Demo { name: "Harbor Logistics — Rotterdam", parent: "Harbor Logistics GmbH", label: "hl-rotterdam", tz: "Europe/Amsterdam", lang: "nl-NL", format: "international_with_exceptions", exceptions: &["DE", "NL"], privacy: None, tech: ("Sanne de Vries", "rotterdam@harbor-logistics.example", "+31102012345"), trunks: (2, 2, 4), admin: ("Sanne", "de Vries"), users: &[] },
    Demo { name: "Maison Laurent Avocats", parent: R, label: "maison-laurent", tz: "Europe/Paris", lang: "fr-FR", format: "national", exceptions: &[], privacy: Some("name"), tech: ("Camille Laurent", "technique@maisonlaurent.example", "01 42 68 53 00"), trunks: (2, 2, 2), admin: ("Camille", "Laurent"), users: &[("accueil", "Inès", "Moreau")] },
    Demo { name: "Thames Valley Accountants", parent: R, label: "tva", tz: "Europe/London", lang: "en-GB", format: "international_with_exceptions", exceptions: &["GB"], privacy: None, tech: ("Oliver Grant", "oliver.grant@tvaccountants.example", "+441184960123"), trunks: (3, 3, 3), admin: ("Oliver", "Grant"), users: &[] },
    Demo { name: "Sakura Travel K.K.", parent: R, label: "sakura-travel", tz: "Asia/Tokyo", lang: "ja-JP", format: "international", exceptions: &[], privacy: None, tech: ("Haruto Sato", "sysadmin@sakuratravel.example", "+81335508111"), trunks: (5, 5, 0), admin: ("Haruto", "Sato"), users: &[] },
    Demo { name: "Southern Cross Veterinary", parent: R, label: "southern-cross-vet", tz: "Australia/Sydney", lang: "en-AU", format: "international_with_exceptions", exceptions: &["AU"], privacy: Some("none"), tech: ("Chloe Mitchell", "it@southerncrossvet.example", "(02) 9374 4000"), trunks: (2, 2, 4), admin: ("Chloe", "Mitchell"), users: &[] },
    Demo { name: "Southern Cross Vet — Melbourne Clinic", parent: "Southern Cross Veterinary", label: "scv-melbourne", tz: "Australia/Melbourne", lang: "en-AU", format: "international_with_exceptions", exceptions: &["AU"], privacy: None, tech: ("Liam Nguyen", "melbourne@southerncrossvet.example", "+61390012345"), trunks: (1, 1, 2), admin: ("Liam", "Nguyen"), users: &[] },
    Demo { name: "Copacabana Importadora Ltda", parent: R, label: "copacabana", tz: "America/Sao_Paulo", lang: "pt-BR", format: "international", exceptions: &[], privacy: None, tech: ("Rafael Souza", "ti@copacabana.example", "+5511987654321"), trunks: (4, 4, 0), admin: ("Rafael", "Souza"), users: &[] },
    Demo { name: "Cape Coast Solar", parent: R, label: "capecoast-solar", tz: "Africa/Johannesburg", lang: "en-ZA", format: "international", exceptions: &[], privacy: Some("number"), tech: ("Thandi Mokoena", "ops@capecoastsolar.example", "+27215550199"), trunks: (2, 2, 0), admin: ("Thandi", "Mokoena"), users: &[] },
    Demo { name: "Bangalore Code Works", parent: R, label: "blr-codeworks", tz: "Asia/Kolkata", lang: "en-IN", format: "international", exceptions: &[], privacy: None, tech: ("Ananya Rao", "infra@codeworks.example", "+918041234567"), trunks: (0, 0, 12), admin: ("Ananya", "Rao"), users: &[("qa", "Vikram", "Iyer")] },
    Demo { name: "Kiwi Outdoor Gear", parent: R, label: "kiwi-outdoor", tz: "Pacific/Auckland", lang: "en-NZ", format: "international_with_exceptions", exceptions: &["NZ", "AU"], privacy: None, tech: ("Aroha Wiremu", "it@kiwioutdoor.example", "+6493001234"), trunks: (2, 1, 1), admin: ("Aroha", "Wiremu"), users: &[] },
    Demo { name: "Northwind Health Partners", parent: R, label: "northwind-health", tz: "America/Toronto", lang: "en-CA", format: "international_with_exceptions", exceptions: &["CA", "US"], privacy: Some("none"), tech: ("Émilie Tremblay", "noc@northwindhealth.example", "+14165550134"), trunks: (6, 6, 8), admin: ("Émilie", "Tremblay"), users: &[("reception", "Noah", "Campbell")] },
    Demo { name: "Northwind Health — Ottawa Clinic", parent: "Northwind Health Partners", label: "nw-ottawa", tz: "America/Toronto", lang: "en-CA", format: "international_with_exceptions", exceptions: &["CA"], privacy: None, tech: ("Ben Fraser", "ottawa@northwindhealth.example", "(613) 555-0123"), trunks: (2, 2, 2), admin: ("Ben", "Fraser"), users: &[] },
    Demo { name: "Northwind Health — Ottawa After-Hours", parent: "Northwind Health — Ottawa Clinic", label: "nw-ottawa-ah", tz: "America/Toronto", lang: "en-CA", format: "international_with_exceptions", exceptions: &["CA"], privacy: Some("number"), tech: ("Ava Singh", "afterhours@northwindhealth.example", "+16135550188"), trunks: (1, 0, 1), admin: ("Ava", "Singh"), users: &[] },
    Demo { name: "Northwind Health — Kingston", parent: "Northwind Health Partners", label: "nw-kingston", tz: "America/Toronto", lang: "en-CA", format: "international_with_exceptions", exceptions: &["CA"], privacy: None, tech: ("Lucas Martin", "kingston@northwindhealth.example", "+16135550166"), trunks: (1, 1, 1), admin: ("Lucas", "Martin"), users: &[] },
    Demo { name: "Marina Bay Properties", parent: R, label: "marina-bay", tz: "Asia/Dubai", lang: "en-US", format: "international", exceptions: &[], privacy: None, tech: ("Omar Haddad", "it@marinabay.example", "+97143001234"), trunks: (3, 2, 0), admin: ("Omar", "Haddad"), users: &[] },
    Demo { name: "Lakeside Community Church", parent: R, label: "lakeside-church", tz: "America/Chicago", lang: "en-US", format: "national", exceptions: &[], privacy: Some("full"), tech: ("Grace Holloway", "office@lakesidechurch.example", "+16085550110"), trunks: (1, 1, 0), admin: ("Grace", "Holloway"), users: &[] },
    Demo { name: "Tonga Pacific Fisheries", parent: R, label: "tonga-fisheries", tz: "Pacific/Tongatapu", lang: "en-US", format: "international", exceptions: &[], privacy: None, tech: ("Sione Fifita", "ops@tongafish.example", "+67621234"), trunks: (1, 1, 0), admin: ("Sione", "Fifita"), users: &[] },
    Demo { name: "Pago Pago Harbor Clinic", parent: R, label: "pago-clinic", tz: "Pacific/Pago_Pago", lang: "en-US", format: "international", exceptions: &[], privacy: None, tech: ("Malia Tuiasosopo", "it@pagoclinic.example", "+16846331234"), trunks: (1, 1, 1), admin: ("Malia", "Tuiasosopo"), users: &[] },
    Demo { name: "Line Islands Research Station", parent: R, label: "line-islands", tz: "Pacific/Kiritimati", lang: "en-US", format: "international", exceptions: &[], privacy: Some("name"), tech: ("Teuea Kamoriki", "station@lineislands.example", "+68675012345"), trunks: (0, 0, 2), admin: ("Teuea", "Kamoriki"), users: &[] },
    Demo { name: "Tapas Collective Madrid", parent: R, label: "tapas-madrid", tz: "Europe/Madrid", lang: "es-ES", format: "national", exceptions: &[], privacy: None, tech: ("Lucía Fernández", "sistemas@tapascollective.example", "912 34 56 78"), trunks: (2, 2, 0), admin: ("Lucía", "Fernández"), users: &[] },
];

fn demo(b: &mut Builder) {
    b.master_and_reseller();
    for d in DEMO {
        let mut doc = json!({
            "timezone": d.tz,
            "language": d.lang,
            "contact": {"technical": {"name": d.tech.0, "email": d.tech.1, "number": d.tech.2}},
            "ui_flags": {"numbers_format": d.format},
        });
        if !d.exceptions.is_empty() {
            doc["ui_flags"]["numbers_format_exceptions"] = json!(d.exceptions);
        }
        if let Some(p) = d.privacy {
            doc["caller_id_options"] = json!({"outbound_privacy": p});
        }
        b.add(
            Spec {
                name: d.name,
                parent: d.parent,
                realm: format!("{}.{SUFFIX}", d.label),
                doc,
                trunks: Some(d.trunks),
                admin: d.admin,
                plain_users: d.users,
            },
            false,
            Some("pbx-standard"),
        );
    }
    // Written by older tools: values our input rules refuse. The app must still show them.
    b.add(
        Spec {
            name: "Legacy Imports Ltd",
            parent: R,
            realm: "Legacy_Imports.SIP.deskdemo.net".into(),
            doc: json!({
                "timezone": "Mars/Olympus",
                "contact": {"technical": {"name": "Front desk", "email": "frontdesk at legacy-imports", "number": "555-CALL-NOW"},
                            "billing": {"name": "Accounts Payable", "email": "ap@legacy-imports.example"}},
                "ui_flags": {"numbers_format": "international"},
                "format_from_uri": false,
                "legacy_crm_id": "CRM-00917",
            }),
            trunks: Some((1, 1, 0)),
            admin: ("Pat", "Legacy"),
            plain_users: &[],
        },
        false,
        Some("pbx-standard"),
    );
    b.add(
        Spec {
            name: "Pinecrest Pet Hospital",
            parent: R,
            realm: "3f9b2d.sip.deskdemo.net".into(),
            doc: json!({"timezone": "inherit", "contact": {"technical": {"email": "vet@pinecrest.example"}}}),
            trunks: None,
            admin: ("Rosa", "Delgado"),
            plain_users: &[],
        },
        false,
        Some("pbx-standard"),
    );
}

const ADJECTIVES: &[&str] = &[
    "Blue",
    "Granite",
    "Silver",
    "Maple",
    "Harbor",
    "Summit",
    "Cedar",
    "Golden",
    "North",
    "Prairie",
    "Coastal",
    "Iron",
    "Willow",
    "Red Rock",
    "Evergreen",
    "Lakeview",
];
const NOUNS: &[&str] = &[
    "Dental",
    "Logistics",
    "Realty",
    "Veterinary",
    "Law",
    "Bakery",
    "Clinic",
    "Motors",
    "Insurance",
    "Architects",
    "Pharmacy",
    "Hotel",
    "Plumbing",
    "Academy",
    "Brewing",
    "Studios",
];
const KINDS: &[&str] = &[
    "Group",
    "Partners",
    "LLC",
    "Ltd",
    "GmbH",
    "Co-op",
    "Associates",
    "Inc",
];
const ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Africa/Johannesburg",
];

/// N accounts: every tenth is a parent of the next nine, so the tree is two levels deep. Each
/// has a balance from an opening credit of its own, from 0.00 to 119.99, so that a screen
/// sorting balances has something to sort.
fn scale(b: &mut Builder, n: usize) {
    b.master_and_reseller();
    let mut parent = R.to_owned();
    for i in 0..n {
        let name = format!(
            "{} {} {} {:05}",
            ADJECTIVES[i % ADJECTIVES.len()],
            NOUNS[(i / ADJECTIVES.len()) % NOUNS.len()],
            KINDS[i % KINDS.len()],
            i + 1
        );
        let under = if i % 10 == 0 {
            R.to_owned()
        } else {
            parent.clone()
        };
        b.add(
            Spec {
                name: &name,
                parent: &under,
                realm: format!("acct{:05}.scale.{SUFFIX}", i + 1),
                doc: json!({"timezone": ZONES[i % ZONES.len()]}),
                trunks: None,
                admin: ("Scale", "Admin"),
                plain_users: &[],
            },
            false,
            Some("pbx-standard"),
        );
        let opening = rust_decimal::Decimal::new(((i * 7_919) % 12_000) as i64, 2);
        if !opening.is_zero() {
            let at = b.state.now() - 86_400;
            b.state
                .books(&account_id(&name))
                .ledger
                .push(crate::books::LedgerEntry::topup(
                    opening, "manual", None, at,
                ));
        }
        if i % 10 == 0 {
            parent = name;
        }
    }
}

/// The state `seed` describes, its books built around the clock's "now".
pub(crate) fn build(seed: &Seed, dir: PathBuf, ttl: Duration, clock: Clock) -> State {
    let mut b = Builder::new(dir, ttl, clock);
    match seed {
        Seed::Demo => {
            demo(&mut b);
            let now = b.state.now();
            crate::history::seed(&mut b.state, now);
        }
        Seed::Empty => b.master_and_reseller(),
        Seed::Scale(n) => scale(&mut b, *n),
    }
    b.state.last_tick = b.state.now();
    b.state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_tree_is_realistic_and_deep() {
        // 2026-11-18T15:05:00Z: no test reads today's date.
        let s = build(
            &Seed::Demo,
            PathBuf::new(),
            Duration::from_secs(1),
            Clock::starting_at(1_795_014_300),
        );
        let reseller = s.reseller_id().unwrap();
        let subs: Vec<_> = s
            .accounts
            .values()
            .filter(|a| a.tree.contains(&reseller))
            .collect();
        assert!((24..=30).contains(&subs.len()), "{}", subs.len());
        assert!(
            subs.iter().any(|a| a.tree.len() == 4),
            "three levels below the reseller"
        );
        let zones: std::collections::HashSet<_> = subs
            .iter()
            .filter_map(|a| a.doc.get("timezone")?.as_str()?.split('/').next())
            .collect();
        assert!(zones.len() >= 5, "several continents: {zones:?}");
        assert!(s
            .users
            .values()
            .all(|u| u.iter().any(|u| u.priv_level == "admin")));
        assert!(s.users.values().flatten().any(|u| u.priv_level == "user"));
    }

    #[test]
    fn seeds_parse() {
        assert_eq!("scale:10".parse::<Seed>().unwrap(), Seed::Scale(10));
        assert!("many".parse::<Seed>().is_err());
    }
}
