//! A real SMTP server for the mail tests: `smtp-server` (npm), the one in
//! `end2end/smtp/server.mjs`, writing each message it accepts to a folder.

use std::io::BufRead;
use std::time::Duration;

/// A free TCP port of 127.0.0.1 (nothing listens on it yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running SMTP server; it stops when dropped.
pub struct Smtp {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl Smtp {
    /// Starts the server on `port` of 127.0.0.1 (0: any free port).
    pub fn start(port: u16) -> Self {
        Self::start_with(port, &[])
    }

    /// [`Smtp::start`], with `env` (`SMTP_REFUSE_SENDER=1`…) set.
    pub fn start_with(port: u16, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/smtp/server.mjs");
        let mut child = std::process::Command::new("node")
            .arg(script)
            .env("SMTP_PORT", port.to_string())
            .env("SMTP_DIR", dir.path())
            .env("SMTP_EXIT_WITH_STDIN", "1")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start node end2end/smtp/server.mjs (run `npm ci` in end2end)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let started: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|_| panic!("smtp-server did not start: {line:?}"));
        Smtp {
            port: started["port"].as_u64().unwrap() as u16,
            dir,
            child,
        }
    }

    /// The messages received so far, oldest first (raw RFC 5322 text).
    pub fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// The messages, once at least `count` have arrived (waiting up to 15 s:
    /// delivery is in the background).
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..150 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{count} messages expected, {} arrived",
            self.messages().len()
        );
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `Subject:` header of a raw message.
pub fn subject_of(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .unwrap_or_default()
        .to_owned()
}

/// A mail server that accepts connections and then says nothing, ever.
pub async fn silent_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (port, task)
}
