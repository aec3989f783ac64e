//! Write-through persistence: one JSON file per document under the data folder, replaced
//! atomically (write a temporary file, then rename) so a crash never leaves half a document.

use crate::books::Books;
use crate::clock::Clock;
use crate::model::{Account, State, Token, User};
use crate::seed::{self, Seed};
use crate::SandboxError;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const META: &str = "sandbox.json";
const FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Meta {
    format: u32,
    master_id: String,
    clock: Clock,
    /// Unix time up to which monthly charges have been posted.
    #[serde(default)]
    last_tick: i64,
}

fn data_err(path: &Path) -> impl FnOnce(std::io::Error) -> SandboxError + '_ {
    move |source| SandboxError::Data {
        path: path.to_owned(),
        source,
    }
}

pub fn load_or_seed(
    dir: &Path,
    seed: &Seed,
    ttl: Duration,
    start_at: Option<i64>,
) -> Result<State, SandboxError> {
    for sub in ["accounts", "limits", "users", "books", "callflows"] {
        let p = dir.join(sub);
        std::fs::create_dir_all(&p).map_err(data_err(&p))?;
    }
    let meta_path = dir.join(META);
    if meta_path.exists() {
        let mut state = load(dir, ttl)?;
        if let Some(at) = start_at {
            state.clock.catch_up_to(at);
        }
        return Ok(state);
    }
    let clock = start_at.map_or_else(Clock::default, Clock::starting_at);
    let mut state = seed::build(seed, dir.to_owned(), ttl, clock);
    save_all(&mut state).map_err(data_err(dir))?;
    Ok(state)
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, SandboxError> {
    let bytes = std::fs::read(path).map_err(data_err(path))?;
    serde_json::from_slice(&bytes).map_err(|e| SandboxError::Corrupt {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

fn read_dir_json<T: DeserializeOwned>(dir: &Path) -> Result<Vec<(String, T)>, SandboxError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(data_err(dir))? {
        let path = entry.map_err(data_err(dir))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        out.push((stem, read_json(&path)?));
    }
    Ok(out)
}

fn load(dir: &Path, ttl: Duration) -> Result<State, SandboxError> {
    let meta: Meta = read_json(&dir.join(META))?;
    if meta.format != FORMAT {
        return Err(SandboxError::Corrupt {
            path: dir.join(META),
            detail: format!("format {} is not the supported {FORMAT}", meta.format),
        });
    }
    let accounts = read_dir_json::<Account>(&dir.join("accounts"))?
        .into_iter()
        .map(|(_, a)| (a.id.clone(), a))
        .collect();
    let limits = read_dir_json::<Map<String, Value>>(&dir.join("limits"))?
        .into_iter()
        .collect();
    let users = read_dir_json::<Vec<User>>(&dir.join("users"))?
        .into_iter()
        .collect();
    let books = read_dir_json::<Books>(&dir.join("books"))?
        .into_iter()
        .collect();
    // Folders from before callflows existed have none: `load_or_seed` creates it empty.
    let callflows = read_dir_json::<Vec<Map<String, Value>>>(&dir.join("callflows"))?
        .into_iter()
        .collect();
    let tokens_path = dir.join("tokens.json");
    let tokens: HashMap<String, Token> = if tokens_path.exists() {
        read_json(&tokens_path)?
    } else {
        HashMap::new()
    };
    Ok(State {
        dir: dir.to_owned(),
        token_ttl: ttl,
        clock: meta.clock,
        master_id: meta.master_id,
        accounts,
        limits,
        users,
        callflows,
        tokens,
        books,
        fingerprints: HashMap::new(),
        nonces: HashMap::new(),
        last_tick: meta.last_tick,
        platform: Default::default(),
        local_only: None,
    })
}

/// Replace `path` with `value`; `durable` syncs the file before the rename. A seed of
/// thousands of files skips that per file and syncs only `sandbox.json`, written last.
fn write_atomic(path: &Path, value: &impl Serialize, durable: bool) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    let tmp: PathBuf = path.with_extension("json.tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        if durable {
            f.sync_data()?;
        }
    }
    std::fs::rename(&tmp, path)
}

impl State {
    fn doc_path(&self, kind: &str, id: &str) -> PathBuf {
        self.dir.join(kind).join(format!("{id}.json"))
    }

    pub fn save_account(&self, id: &str) -> std::io::Result<()> {
        match self.accounts.get(id) {
            Some(a) => write_atomic(&self.doc_path("accounts", id), a, true),
            None => Ok(()),
        }
    }

    pub fn save_limits(&self, id: &str) -> std::io::Result<()> {
        match self.limits.get(id) {
            Some(l) => write_atomic(&self.doc_path("limits", id), l, true),
            None => Ok(()),
        }
    }

    pub fn save_users(&self, account_id: &str) -> std::io::Result<()> {
        match self.users.get(account_id) {
            Some(u) => write_atomic(&self.doc_path("users", account_id), u, true),
            None => Ok(()),
        }
    }

    /// A deleted account's files: its document, limits, users, books and callflows. (Kazoo
    /// hard-deletes the account's databases and soft-deletes its `accounts` document; listings
    /// skip both alike.)
    pub fn remove_account_files(&self, id: &str) -> std::io::Result<()> {
        for kind in ["accounts", "limits", "users", "books", "callflows"] {
            match std::fs::remove_file(self.doc_path(kind, id)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    /// Tokens survive restarts, as Kazoo's signed tokens do; expired ones are dropped here.
    pub fn save_tokens(&mut self) -> std::io::Result<()> {
        let now = self.now();
        self.tokens.retain(|_, t| t.exp > now);
        write_atomic(&self.dir.join("tokens.json"), &self.tokens, true)
    }

    /// An account's books, and its document (auto top-ups and the low-balance flag touch it).
    pub fn save_books(&self, id: &str) -> std::io::Result<()> {
        if let Some(b) = self.books.get(id) {
            write_atomic(&self.doc_path("books", id), b, true)?;
        }
        self.save_account(id)
    }

    pub fn save_meta(&self) -> std::io::Result<()> {
        let meta = Meta {
            format: FORMAT,
            master_id: self.master_id.clone(),
            clock: self.clock,
            last_tick: self.last_tick,
        };
        write_atomic(&self.dir.join(META), &meta, true)
    }
}

fn save_all(state: &mut State) -> std::io::Result<()> {
    for (id, a) in &state.accounts {
        write_atomic(&state.doc_path("accounts", id), a, false)?;
    }
    for (id, l) in &state.limits {
        write_atomic(&state.doc_path("limits", id), l, false)?;
    }
    for (id, u) in &state.users {
        write_atomic(&state.doc_path("users", id), u, false)?;
    }
    for (id, b) in &state.books {
        write_atomic(&state.doc_path("books", id), b, false)?;
    }
    for (id, c) in &state.callflows {
        write_atomic(&state.doc_path("callflows", id), c, false)?;
    }
    state.save_tokens()?;
    // Written last: its presence marks a complete seed.
    state.save_meta()
}
