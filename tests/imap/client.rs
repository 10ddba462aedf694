//! The test's own IMAP client (async-imap over plain TCP): APPEND and
//! the checks a person would make in their mail program.

use async_imap::Session;
use futures_util::TryStreamExt;
use tokio::net::TcpStream;

use crate::support::dovecot::{Dovecot, PASSWORD};

/// A logged-in test client.
pub struct Mailbox {
    session: Session<TcpStream>,
}

impl Mailbox {
    /// Logs in as `user` (created on first login).
    pub async fn login(server: &Dovecot, user: &str) -> Mailbox {
        let tcp = TcpStream::connect(("127.0.0.1", server.port))
            .await
            .expect("connect to dovecot");
        let mut client = async_imap::Client::new(tcp);
        client
            .read_response()
            .await
            .expect("greeting")
            .expect("greeting line");
        let session = client
            .login(user, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .expect("login");
        Mailbox { session }
    }

    /// Appends one mail to `folder`.
    pub async fn append(&mut self, folder: &str, raw: &[u8]) {
        self.append_dated(folder, None, raw).await;
    }

    /// Appends one mail with an INTERNALDATE (`"01-Mar-2020 10:00:00 +0800"`, quoted).
    pub async fn append_dated(&mut self, folder: &str, date: Option<&str>, raw: &[u8]) {
        self.session
            .append(folder, None, date, raw)
            .await
            .unwrap_or_else(|e| panic!("APPEND to {folder}: {e}"));
    }

    /// Creates a folder.
    pub async fn create(&mut self, folder: &str) {
        self.session.create(folder).await.expect("CREATE");
    }

    /// Deletes a folder with its mail.
    pub async fn delete(&mut self, folder: &str) {
        self.session.delete(folder).await.expect("DELETE");
    }

    /// Whether `folder` exists (the daemon creates move targets itself).
    pub async fn exists(&mut self, folder: &str) -> bool {
        self.session.examine(folder).await.is_ok()
    }

    /// UIDVALIDITY and the (UID, flags) of every mail in `folder`.
    pub async fn list(&mut self, folder: &str) -> (u32, Vec<(u32, Vec<String>)>) {
        let mailbox = self.session.examine(folder).await.expect("EXAMINE");
        let mut mails = Vec::new();
        if mailbox.exists > 0 {
            let fetches: Vec<_> = self
                .session
                .uid_fetch("1:*", "(UID FLAGS)")
                .await
                .expect("UID FETCH")
                .try_collect()
                .await
                .expect("fetch answers");
            for f in fetches {
                let flags = f.flags().map(|flag| format!("{flag:?}")).collect();
                mails.push((f.uid.unwrap_or(0), flags));
            }
        }
        (mailbox.uid_validity.unwrap_or(0), mails)
    }

    /// Logs out.
    pub async fn logout(mut self) {
        let _ = self.session.logout().await;
    }
}

/// Appends `mails` to `user`'s `folder` from a thread of its own, one
/// APPEND at a time, pausing `pause` every `every` mails.
pub fn append_in_background(
    server: &'static Dovecot,
    user: &str,
    folder: &str,
    mails: Vec<Vec<u8>>,
    every: usize,
    pause: std::time::Duration,
) -> std::thread::JoinHandle<()> {
    let (user, folder) = (user.to_string(), folder.to_string());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut mailbox = Mailbox::login(server, &user).await;
            for (i, raw) in mails.iter().enumerate() {
                mailbox.append(&folder, raw).await;
                if i % every == every - 1 {
                    tokio::time::sleep(pause).await;
                }
            }
            mailbox.logout().await;
        });
    })
}
