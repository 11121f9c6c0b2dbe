//! Bearer tokens resolved recently, kept in memory so that a request with a token needs
//! no lookup of its caller. A token stays cached for at most [`TTL`] (its last-used time
//! is touched on the next lookup), and the whole cache is emptied when the database's
//! `auth_generation` moves: every revocation, deactivation or change of roles or
//! divisions bumps it (by trigger). This instance sees its own writes' bump at once
//! (`app::write` reads it after each commit); another instance's within [`POLL`].

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::db::users::User;
use crate::policy::access::Actor;

/// How long a resolved token is trusted without a lookup; as long as a token's last-used
/// time may lag anyway.
pub const TTL: Duration = Duration::from_secs(60);
/// How often each instance reads the generation for other instances' changes.
pub const POLL: Duration = Duration::from_millis(250);

pub struct TokenCache {
    entries: moka::sync::Cache<String, Arc<(Actor, User)>>,
    generation: AtomicI64,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache {
            entries: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(TTL)
                .build(),
            // Below any stored value: the first reading empties nothing but is recorded.
            generation: AtomicI64::new(i64::MIN),
        }
    }
}

impl TokenCache {
    /// The caller a token (by its SHA-256) resolved to, if cached.
    pub fn get(&self, token_hash: &str) -> Option<Arc<(Actor, User)>> {
        self.entries.get(token_hash)
    }

    /// The generation to pass to [`TokenCache::insert`]: read before the lookup.
    pub fn generation(&self) -> i64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps a lookup's answer, unless the generation moved while it was looked up (it
    /// may predate a revocation).
    pub fn insert(&self, token_hash: String, looked_up_at: i64, caller: (Actor, User)) {
        self.entries.insert(token_hash.clone(), Arc::new(caller));
        if self.generation() != looked_up_at {
            self.entries.invalidate(&token_hash);
        }
    }

    /// The database's generation as last read: a new value empties the cache.
    pub fn observe(&self, generation: i64) {
        let before = self.generation.swap(generation, Ordering::SeqCst);
        if before != generation && before != i64::MIN {
            self.entries.invalidate_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(id: &str) -> (Actor, User) {
        let user = crate::db::users::sample(
            id,
            &format!("{id}@city.minato.example"),
            id,
            crate::i18n::Lang::Ja,
        );
        let actor = Actor {
            user_id: id.into(),
            roles: vec![crate::domain::Role::Ciso],
            division_ids: vec![],
        };
        (actor, user)
    }

    #[test]
    fn r_5_5_3_4_a_new_generation_empties_the_cache() {
        let cache = TokenCache::default();
        cache.observe(7);
        cache.insert("h1".into(), cache.generation(), caller("u1"));
        assert_eq!(cache.get("h1").unwrap().0.user_id, "u1");
        cache.observe(7);
        assert!(cache.get("h1").is_some(), "the same generation keeps it");
        cache.observe(8);
        assert!(cache.get("h1").is_none());
    }

    #[test]
    fn r_5_5_3_4_a_lookup_that_may_predate_a_revocation_is_not_kept() {
        let cache = TokenCache::default();
        cache.observe(1);
        let looked_up_at = cache.generation();
        // A revocation lands while the token is looked up.
        cache.observe(2);
        cache.insert("h1".into(), looked_up_at, caller("u1"));
        assert!(cache.get("h1").is_none());
    }
}
