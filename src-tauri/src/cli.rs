//! Start-up options: `--backend URL` and `--data-dir DIR`, or the environment variables
//! `ACCOUNT_DESK_BACKEND` and `ACCOUNT_DESK_DATA_DIR`. Without a backend the app runs in demo
//! mode on its built-in sandbox. Debug builds also take `--clock INSTANT` (RFC 3339): the app,
//! and its demo backend, start at that instant, so tests never depend on today's date.

use chrono::{DateTime, Utc};
use std::path::PathBuf;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    pub backend: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// Debug builds only: the instant "now" starts at.
    pub clock: Option<DateTime<Utc>>,
}

impl Options {
    pub fn from_env() -> Result<Self, String> {
        Self::parse(std::env::args().skip(1), |k| {
            std::env::var(k).ok().filter(|v| !v.trim().is_empty())
        })
    }

    fn parse(
        args: impl Iterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut opts = Options {
            backend: env("ACCOUNT_DESK_BACKEND"),
            data_dir: env("ACCOUNT_DESK_DATA_DIR").map(PathBuf::from),
            clock: None,
        };
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
                None => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--backend" => opts.backend = Some(value()?),
                "--data-dir" => opts.data_dir = Some(PathBuf::from(value()?)),
                // A pinned clock is for tests; a release build keeps to the real one.
                "--clock" if cfg!(debug_assertions) => {
                    let text = value()?;
                    let at = DateTime::parse_from_rfc3339(&text).map_err(|_| {
                        format!("--clock: “{text}” is not an instant like 2027-03-01T15:05:00Z")
                    })?;
                    opts.clock = Some(at.with_timezone(&Utc));
                }
                // Arguments the platform or a WebDriver session may add.
                _ if arg.starts_with("-psn_") => {}
                other => {
                    return Err(format!(
                        "unknown argument “{other}” (use --backend URL, --data-dir DIR)"
                    ))
                }
            }
        }
        Ok(opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Options, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Options::parse(args.iter().map(|s| s.to_string()), |k| {
            env.iter().find(|(ek, _)| ek == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn flags_override_environment() {
        let o = parse(
            &["--backend", "https://a.example", "--data-dir=/tmp/x"],
            &[("ACCOUNT_DESK_BACKEND", "https://b.example")],
        )
        .unwrap();
        assert_eq!(o.backend.as_deref(), Some("https://a.example"));
        assert_eq!(o.data_dir, Some(PathBuf::from("/tmp/x")));
        let o = parse(&[], &[("ACCOUNT_DESK_DATA_DIR", "/d")]).unwrap();
        assert_eq!((o.backend, o.data_dir), (None, Some(PathBuf::from("/d"))));
        assert!(parse(&["--bogus"], &[]).is_err());
        assert!(parse(&["--backend"], &[]).is_err());
    }

    #[test]
    fn a_debug_build_can_start_its_clock_at_a_given_instant() {
        let o = parse(&["--clock", "2027-03-01T15:05:00+01:00"], &[]).unwrap();
        assert_eq!(
            o.clock.map(|c| c.to_rfc3339()),
            Some("2027-03-01T14:05:00+00:00".to_owned())
        );
        let e = parse(&["--clock", "tomorrow"], &[]).unwrap_err();
        assert!(e.contains("--clock") && e.contains("tomorrow"), "{e}");
    }
}
