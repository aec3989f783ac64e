//! The writer: what it saves, how it opens its desk, and its loop of saving, pushing and adding
//! credit until it is killed.

use super::*;

/// What a writer run does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mode {
    /// Saves only, the server unreachable.
    Offline,
    /// Saves, pushes and credit through a live sandbox.
    Online,
    /// Starts on a cache that must be rebuilt, and is killed during the rebuild.
    Rebuild,
}

impl Mode {
    pub(super) fn name(self) -> &'static str {
        match self {
            Mode::Offline => "offline",
            Mode::Online => "online",
            Mode::Rebuild => "rebuild",
        }
    }
}
pub(super) const ACCOUNTS: [&str; 3] = ["Bayside Realty", "Cape Coast Solar", "Kiwi Outdoor Gear"];

/// A group of fields saved together, one screen's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Group {
    /// Account Info: contact name and e-mail.
    Contact,
    /// Trunks: inbound and two-way counts (the limits document).
    Trunks,
    /// Billing settings: the alert threshold.
    Alerts,
}

pub(super) const GROUPS: [Group; 3] = [Group::Contact, Group::Trunks, Group::Alerts];

impl Group {
    pub(super) fn name(self) -> &'static str {
        match self {
            Group::Contact => "contact",
            Group::Trunks => "trunks",
            Group::Alerts => "alerts",
        }
    }

    pub(super) fn parse(s: &str) -> Option<Group> {
        GROUPS.into_iter().find(|g| g.name() == s)
    }

    pub(super) fn kind(self) -> DocKind {
        match self {
            Group::Trunks => DocKind::Limits,
            _ => DocKind::Account,
        }
    }

    /// The Kazoo paths the group writes, and the value edit `n` writes to each.
    pub(super) fn fields(self, n: u64) -> Vec<(&'static str, Value)> {
        match self {
            Group::Contact => vec![
                ("contact.technical.name", json!(format!("edit {n}"))),
                (
                    "contact.technical.email",
                    json!(format!("edit{n}@crash.example")),
                ),
            ],
            Group::Trunks => vec![
                ("inbound_trunks", json!(100 + n)),
                ("twoway_trunks", json!(200_000 + n)),
            ],
            Group::Alerts => vec![(
                "notifications.low_balance.threshold",
                json!(1000.25 + n as f64),
            )],
        }
    }
}

/// Which edit wrote `value` to `path` (every value names its edit).
pub(super) fn edit_of(path: &str, value: &Value) -> Option<u64> {
    match path {
        "contact.technical.name" => value.as_str()?.strip_prefix("edit ")?.parse().ok(),
        "contact.technical.email" => value
            .as_str()?
            .strip_prefix("edit")?
            .strip_suffix("@crash.example")?
            .parse()
            .ok(),
        "inbound_trunks" => value.as_u64()?.checked_sub(100),
        "twoway_trunks" => value.as_u64()?.checked_sub(200_000),
        "notifications.low_balance.threshold" => {
            let n = value.as_f64()? - 1000.25;
            (n >= 0.0 && n.fract() == 0.0).then_some(n as u64)
        }
        _ => None,
    }
}

pub(super) fn path_kind(path: &str) -> DocKind {
    if path.ends_with("_trunks") {
        DocKind::Limits
    } else {
        DocKind::Account
    }
}

pub(super) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

pub(super) fn client(url: &str, retries: u32) -> Result<Client, String> {
    let opts = ClientOptions {
        retries,
        connect_timeout: Duration::from_millis(200),
        ..ClientOptions::default()
    };
    Client::new(BaseUrl::parse(url).map_err(|e| e.to_string())?, opts).map_err(|e| e.to_string())
}

pub(super) fn open_desk(
    dir: &Path,
    url: &str,
    now: DateTime<Utc>,
    mode: Mode,
) -> Result<Desk, String> {
    println!("OPENING");
    let opened = Cache::open(dir).map_err(|e| e.to_string())?;
    match opened.notice {
        Some(_) if mode == Mode::Rebuild => println!("REBUILT"),
        Some(notice) => return Err(format!("cache did not open cleanly: {notice}")),
        None => {}
    }
    Ok(Desk::new(
        client(url, 0)?,
        opened.cache,
        Arc::new(MemoryStore::default()),
        "crash",
    )
    .with_clock(Arc::new(Clock::starting_at(now))))
}

pub(super) fn demo_login() -> Credentials {
    Credentials::password(AccountRef::Name(DEMO_ACCOUNT_NAME.into()), "admin", "demo")
}

/// Save edit `n` of `group` on `id` through the engine, as its screen would.
pub(super) async fn save(desk: &Desk, id: &str, group: Group, n: u64) -> Result<(), String> {
    let fields = group.fields(n);
    let text = |i: usize| match &fields[i].1 {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match group {
        Group::Contact => {
            let mut form = desk
                .cached_account(id)
                .map_err(|e| e.to_string())?
                .ok_or("account not cached")?
                .form;
            form.tech_name = text(0);
            form.tech_email = text(1);
            desk.save_account(id, &form).await.map(|_| ())
        }
        Group::Trunks => {
            let t = desk
                .cached_trunks(id)
                .map_err(|e| e.to_string())?
                .ok_or("trunks not cached")?;
            let form = TrunksForm {
                inbound: text(0),
                outbound: t.outbound.value.to_string(),
                twoway: text(1),
            };
            desk.save_trunks(id, &form).await.map(|_| ())
        }
        Group::Alerts => {
            let shown = desk.billing_settings(id).map_err(|e| e.to_string())?.form;
            let form = BillingSettingsForm {
                alerts_enabled: true,
                alerts_threshold: text(0),
                ..shown
            };
            desk.save_billing_settings(id, &form).await.map(|_| ())
        }
    }
    .map_err(|e| e.to_string())
}

/// The child: keep saving (and, online, pushing and adding credit) until killed. Its clock
/// starts at `now`, the sandbox's time when the controller started it. Online, it first checks
/// again the credit the previous run was adding when it was killed (`retry`: intent, amount),
/// as a user would after a crash.
pub(super) fn writer(
    dir: &Path,
    url: &str,
    mode: Mode,
    mut n: u64,
    now: DateTime<Utc>,
    retry: Option<(&str, &str)>,
) {
    let online = mode == Mode::Online;
    runtime().block_on(async {
        let desk = match open_desk(dir, url, now, mode) {
            Ok(d) => d,
            Err(e) => {
                println!("BROKEN {e}");
                std::process::exit(3);
            }
        };
        if mode == Mode::Rebuild {
            // Its work was the rebuild; a kill that lands after it finds it waiting. (The
            // rebuilt cache holds no account documents to save edits to.)
            println!("READY");
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
        if online {
            desk.sign_in(demo_login(), false).await.expect("sign in");
        }
        // Load the phone metadata first (slow in debug builds) so kills land mid-work.
        desk_core::phone::warm_up();
        println!("READY");
        let reseller = account_id(DEMO_ACCOUNT_NAME);
        if let Some((intent, amount)) = retry {
            let _ = desk.add_credit(&reseller, intent, amount).await;
        }
        loop {
            for name in ACCOUNTS {
                let id = account_id(name);
                for group in GROUPS {
                    if online && group != Group::Contact {
                        continue;
                    }
                    save(&desk, &id, group, n).await.expect("save");
                    // Only now, after the flush inside the save, is the edit acknowledged.
                    println!("ACK {id} {} {n}", group.name());
                    n += 1;
                }
            }
            if online {
                println!("PUSH");
                let _ = desk.push_pending().await;
                let intent = desk.new_credit_intent();
                // At least Braintree's $5.00 minimum (`braintree.min_amount`).
                let amount = format!("{}.{:02}", 5 + n / 100, n % 100);
                println!("INTENT {intent} {amount}");
                let _ = desk.add_credit(&reseller, &intent, &amount).await;
                n += 1;
            }
        }
    })
}
