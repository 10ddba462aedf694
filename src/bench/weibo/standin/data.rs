//! The world behind the API: statuses and comments in one id space, the
//! three timelines, and how new items (on time or late) enter them.
//!
//! Ids grow with time by random gaps of 1..=5000 from near
//! 4_900_000_000_000_000, like Weibo's time-ordered 16-digit ids. At start a
//! background pool is made, dated over the three days before the clock's
//! start: ordinary users' statuses (what comments mention @支付宝 under) and
//! the account's own statuses (what comments/to_me collects). Items refer
//! only to older items, so a status commented on always has a lower id.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};

use super::corpus::{self, User};
use super::model::Timeline;
use super::rng::Rng;

/// Where the id space starts (plus a random offset below 1_000_000).
const FIRST_ID: i64 = 4_900_000_000_000_000;
/// Background statuses by ordinary users.
const PUBLIC_POOL: usize = 30;
/// The account's own statuses.
const OWN_POOL: usize = 12;

/// A status (weibo).
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) id: i64,
    pub(crate) created_at: DateTime<Utc>,
    /// Index into `World::users` (0 is the account).
    pub(crate) user: usize,
    pub(crate) text: String,
    pub(crate) pics: Vec<String>,
    /// The root original when this is a repost.
    pub(crate) retweeted: Option<i64>,
    pub(crate) reposts: u64,
    pub(crate) comments: u64,
    pub(crate) attitudes: u64,
    pub(crate) long_text: bool,
    /// Index into `render::SOURCES`.
    pub(crate) source: usize,
}

/// A comment on a status.
#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub(crate) id: i64,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) user: usize,
    pub(crate) text: String,
    pub(crate) status: i64,
    /// The comment this one replies to.
    pub(crate) reply_to: Option<i64>,
    pub(crate) source: usize,
}

/// Everything the stand-in knows.
#[derive(Debug)]
pub(crate) struct World {
    rng: Rng,
    pub(crate) users: Vec<User>,
    pub(crate) statuses: HashMap<i64, Status>,
    pub(crate) comments: HashMap<i64, Comment>,
    timelines: [BTreeSet<i64>; 3],
    by_status: HashMap<i64, Vec<i64>>,
    public_pool: Vec<i64>,
    own_pool: Vec<i64>,
    last_id: i64,
}

impl World {
    /// A world seeded by `seed` whose background predates `start`.
    pub(crate) fn new(seed: u64, start: DateTime<Utc>) -> World {
        let mut rng = Rng::new(seed ^ 0x5745_4942_4f5f_4441); // "WEIBO_DA"
        let mut users = vec![corpus::account()];
        users.extend(corpus::crowd(&mut rng));
        let last_id = FIRST_ID + rng.range(0, 999_999) as i64;
        let mut world = World {
            rng,
            users,
            statuses: HashMap::new(),
            comments: HashMap::new(),
            timelines: Default::default(),
            by_status: HashMap::new(),
            public_pool: Vec::new(),
            own_pool: Vec::new(),
            last_id,
        };
        world.make_pool(start);
        world
    }

    fn make_pool(&mut self, start: DateTime<Utc>) {
        let total = (PUBLIC_POOL + OWN_POOL) as i64;
        let step = corpus::pool_span().num_seconds() / total;
        for i in 0..total {
            let at = start - corpus::pool_span() + Duration::seconds(step * i);
            let id = self.next_id();
            // Every third is the account's, so its statuses spread over the days.
            let own = i % 3 == 2 && self.own_pool.len() < OWN_POOL;
            let (user, text) = if own {
                (0, corpus::own_status_text(&mut self.rng))
            } else {
                (
                    self.random_user(),
                    corpus::public_status_text(&mut self.rng),
                )
            };
            let mut status = self.blank_status(id, at, user, text);
            if own {
                status.reposts = self.rng.range(100, 20_000);
                status.comments = self.rng.range(500, 30_000);
                status.attitudes = self.rng.range(1_000, 90_000);
                self.own_pool.push(id);
            } else {
                status.reposts = self.rng.range(0, 20);
                status.comments = self.rng.range(0, 80);
                status.attitudes = self.rng.range(0, 200);
                self.public_pool.push(id);
            }
            self.statuses.insert(id, status);
        }
    }

    /// Every id of `timeline`, oldest first.
    pub(crate) fn ids(&self, timeline: Timeline) -> Vec<i64> {
        self.timelines[timeline.index()].iter().copied().collect()
    }

    /// The ids of `timeline`, ordered.
    pub(crate) fn timeline(&self, timeline: Timeline) -> &BTreeSet<i64> {
        &self.timelines[timeline.index()]
    }

    /// The next id on the clock: above every id given so far.
    pub(crate) fn next_id(&mut self) -> i64 {
        self.last_id += self.rng.range(1, 5000) as i64;
        self.last_id
    }

    fn used(&self, id: i64) -> bool {
        self.statuses.contains_key(&id) || self.comments.contains_key(&id)
    }

    /// Adds `n` statuses mentioning the account, created at `now`.
    pub(crate) fn add_status_mentions(&mut self, n: usize, now: DateTime<Utc>) -> Vec<i64> {
        (0..n)
            .map(|_| {
                let id = self.next_id();
                self.add_status_mention(id, now);
                id
            })
            .collect()
    }

    /// Adds `n` comments mentioning the account, created at `now`.
    pub(crate) fn add_comment_mentions(&mut self, n: usize, now: DateTime<Utc>) -> Vec<i64> {
        (0..n)
            .map(|_| {
                let id = self.next_id();
                self.add_comment_mention(id, now);
                id
            })
            .collect()
    }

    /// Adds `n` comments on the account's statuses, created at `now`.
    pub(crate) fn add_comments_to_me(&mut self, n: usize, now: DateTime<Utc>) -> Vec<i64> {
        (0..n)
            .map(|_| {
                let id = self.next_id();
                self.add_comment_to_me(id, now);
                id
            })
            .collect()
    }

    /// Adds `n` items that become visible now but carry older ids and
    /// times, as after a moderation delay.
    pub(crate) fn add_late(
        &mut self,
        timeline: Timeline,
        n: usize,
        now: DateTime<Utc>,
    ) -> Vec<i64> {
        (0..n)
            .map(|_| {
                let id = self.late_id(timeline);
                let at = now - Duration::seconds(self.rng.range(60, 600) as i64);
                match timeline {
                    Timeline::StatusMentions => self.add_status_mention(id, at),
                    Timeline::CommentMentions => self.add_comment_mention(id, at),
                    Timeline::CommentsToMe => self.add_comment_to_me(id, at),
                }
                id
            })
            .collect()
    }

    /// An unused id strictly between the 20th- and the 2nd-newest ids of
    /// `timeline` (below its only or oldest item when it has fewer than 3;
    /// a fresh id when it is empty).
    fn late_id(&mut self, timeline: Timeline) -> i64 {
        let newest: Vec<i64> = self.timelines[timeline.index()]
            .iter()
            .rev()
            .take(20)
            .copied()
            .collect();
        let Some(&oldest) = newest.last() else {
            return self.next_id();
        };
        let (lo, hi) = match newest.get(1) {
            Some(&second) if newest.len() >= 3 => (oldest, second),
            _ => (oldest - 5000, oldest),
        };
        if hi - lo >= 2 {
            for _ in 0..32 {
                let candidate = lo + 1 + self.rng.range(0, (hi - lo - 2) as u64) as i64;
                if !self.used(candidate) {
                    return candidate;
                }
            }
        }
        if let Some(free) = (lo + 1..hi).rev().find(|id| !self.used(*id)) {
            return free;
        }
        // Consecutive ids all taken: anything free below the newest will do.
        let top = newest.first().copied().unwrap_or(self.last_id);
        (1..top)
            .rev()
            .find(|id| !self.used(*id))
            .unwrap_or_else(|| self.next_id())
    }

    fn add_status_mention(&mut self, id: i64, at: DateTime<Utc>) {
        let user = self.random_user();
        let mut status = if self.rng.chance(1.0 / 6.0) {
            self.repost(id, at, user)
        } else if self.rng.chance(1.0 / 12.0) {
            let story = corpus::long_story(&mut self.rng);
            let shown: String = story.chars().take(120).collect();
            let mut status = self.blank_status(
                id,
                at,
                user,
                format!(
                    "{shown}...全文： http://m.weibo.cn/{}/{id}\u{200B}",
                    self.users[user].id
                ),
            );
            status.long_text = true;
            status
        } else {
            let text = corpus::mention_text(&mut self.rng);
            self.blank_status(id, at, user, text)
        };
        if status.retweeted.is_none() && self.rng.chance(0.25) {
            let uid = self.users[user].id;
            let count = self.rng.range(1, 4);
            status.pics = (0..count)
                .map(|_| corpus::pic_id(&mut self.rng, uid))
                .collect();
        }
        status.reposts = self.rng.range(0, 50);
        status.comments = self.rng.range(0, 120);
        status.attitudes = self.rng.range(0, 300);
        self.statuses.insert(id, status);
        self.timelines[Timeline::StatusMentions.index()].insert(id);
    }

    /// A repost: "my words//@middle:their words" over an older root.
    fn repost(&mut self, id: i64, at: DateTime<Utc>, user: usize) -> Status {
        let roots: Vec<i64> = self.timelines[Timeline::StatusMentions.index()]
            .range(..id)
            .copied()
            .filter(|s| self.statuses.get(s).is_some_and(|s| s.retweeted.is_none()))
            .chain(self.public_pool.iter().copied())
            .collect();
        let root = roots[self.rng.below(roots.len())];
        let middle = self.random_user();
        let mut text = corpus::repost_comment(&mut self.rng);
        if self.rng.chance(0.5) {
            text = format!(
                "{text}//@{}:{}",
                self.users[middle].screen_name,
                corpus::repost_comment(&mut self.rng)
            );
        }
        let mut status = self.blank_status(id, at, user, text);
        status.retweeted = Some(root);
        status
    }

    fn add_comment_mention(&mut self, id: i64, at: DateTime<Utc>) {
        let candidates: Vec<i64> = if self.rng.chance(0.5) {
            self.timelines[Timeline::StatusMentions.index()]
                .range(..id)
                .copied()
                .collect()
        } else {
            Vec::new()
        };
        let status = if candidates.is_empty() {
            self.public_pool[self.rng.below(self.public_pool.len())]
        } else {
            candidates[self.rng.below(candidates.len())]
        };
        let text = corpus::comment_mention_text(&mut self.rng);
        self.add_comment(id, at, status, text);
        self.timelines[Timeline::CommentMentions.index()].insert(id);
    }

    fn add_comment_to_me(&mut self, id: i64, at: DateTime<Utc>) {
        let status = self.own_pool[self.rng.below(self.own_pool.len())];
        // Some also @-mention the account: the same comment is then in both
        // comment timelines, as research says pollers must expect.
        let mentions = self.rng.chance(1.0 / 8.0);
        let text = if mentions {
            corpus::comment_mention_text(&mut self.rng)
        } else {
            corpus::comment_to_me_text(&mut self.rng)
        };
        self.add_comment(id, at, status, text);
        self.timelines[Timeline::CommentsToMe.index()].insert(id);
        if mentions {
            self.timelines[Timeline::CommentMentions.index()].insert(id);
        }
    }

    /// Stores a comment by a random user; a quarter reply to an older
    /// comment under the same status and then start "回复@name:".
    fn add_comment(&mut self, id: i64, at: DateTime<Utc>, status: i64, text: String) {
        let user = self.random_user();
        let older: Vec<i64> = self
            .by_status
            .get(&status)
            .map(|c| c.iter().copied().filter(|c| *c < id).collect())
            .unwrap_or_default();
        let reply_to = if !older.is_empty() && self.rng.chance(0.25) {
            Some(older[self.rng.below(older.len())])
        } else {
            None
        };
        let text = match reply_to.and_then(|c| self.comments.get(&c)) {
            Some(parent) => format!("回复@{}:{text}", self.users[parent.user].screen_name),
            None => text,
        };
        let source = self.rng.below(super::render::SOURCES.len());
        self.insert_comment(Comment {
            id,
            created_at: at,
            user,
            text,
            status,
            reply_to,
            source,
        });
    }

    /// Stores a comment the account published.
    pub(crate) fn publish(
        &mut self,
        at: DateTime<Utc>,
        status: i64,
        reply_to: Option<i64>,
        text: String,
    ) -> i64 {
        let id = self.next_id();
        self.insert_comment(Comment {
            id,
            created_at: at,
            user: 0,
            text,
            status,
            reply_to,
            source: 0,
        });
        id
    }

    fn insert_comment(&mut self, comment: Comment) {
        self.by_status
            .entry(comment.status)
            .or_default()
            .push(comment.id);
        self.comments.insert(comment.id, comment);
    }

    fn blank_status(&mut self, id: i64, at: DateTime<Utc>, user: usize, text: String) -> Status {
        Status {
            id,
            created_at: at,
            user,
            text,
            pics: Vec::new(),
            retweeted: None,
            reposts: 0,
            comments: 0,
            attitudes: 0,
            long_text: false,
            source: self.rng.below(super::render::SOURCES.len()),
        }
    }

    fn random_user(&mut self) -> usize {
        // users[0] is the account: never a random author.
        1 + self.rng.below(self.users.len() - 1)
    }
}
