//! `crossbar-sandbox --listen 127.0.0.1:0 --data DIR --seed demo|empty|scale:N [--token-ttl SECS]
//! [--clock INSTANT] [--kazoo 4.2|4.3] [--bookkeeper braintree|none]`
//!
//! Prints its base URL alone on the first stdout line, then serves until interrupted.

use crossbar_sandbox::{start, Config, Seed};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: crossbar-sandbox --data DIR [--listen ADDR] [--seed demo|empty|scale:N] [--token-ttl SECS] [--clock 2027-03-01T15:05:00Z] [--kazoo 4.2|4.3] [--bookkeeper braintree|none]";

fn parse_args() -> Result<Config, String> {
    let mut args = std::env::args().skip(1);
    let mut listen: SocketAddr = ([127, 0, 0, 1], 0).into();
    let mut data: Option<PathBuf> = None;
    let mut seed = Seed::Demo;
    let mut ttl = Duration::from_secs(3600);
    let mut start_at = None;
    let mut platform = crossbar_sandbox::platform::Platform::default();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                listen = v.parse().map_err(|_| {
                    format!("--listen: “{v}” is not an address like 127.0.0.1:8000")
                })?;
            }
            "--data" => data = Some(PathBuf::from(value()?)),
            "--seed" => seed = value()?.parse()?,
            "--token-ttl" => {
                let v = value()?;
                let secs: u64 = v
                    .parse()
                    .map_err(|_| format!("--token-ttl: “{v}” is not a number of seconds"))?;
                ttl = Duration::from_secs(secs);
            }
            "--clock" => {
                let v = value()?;
                let at = chrono::DateTime::parse_from_rfc3339(&v).map_err(|_| {
                    format!("--clock: “{v}” is not an instant like 2027-03-01T15:05:00Z")
                })?;
                start_at = Some(at.timestamp());
            }
            "--kazoo" => platform.kazoo = value()?.parse()?,
            "--bookkeeper" => platform.bookkeeper = value()?.parse()?,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument “{other}”\n{USAGE}")),
        }
    }
    let data = data.ok_or_else(|| format!("--data is required\n{USAGE}"))?;
    Ok(Config {
        listen,
        data_dir: data,
        seed,
        token_ttl: ttl,
        start_at,
        platform,
        local_only: false,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let running = match start(cfg).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("crossbar-sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{}", running.base_url)
        .and_then(|_| out.flush())
        .is_err()
    {
        return ExitCode::FAILURE;
    }
    drop(out);
    let _ = tokio::signal::ctrl_c().await;
    running.stop().await;
    ExitCode::SUCCESS
}
