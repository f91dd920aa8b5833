//! The producer's simulated application: it calls `send()` at
//! `rate_per_sec`, with keys from a [`KeyPattern`] and values `v-<n>`
//! padded to `value_bytes`; with a `transactional.id` and
//! `records_per_transaction` it loops begin, send N, commit (or abort every
//! `abort_every`-th transaction).
//!
//! Without `records_per_transaction`, a transactional producer's workload
//! sends only while a transaction begun by command is open.

use bytes::{BufMut, BytesMut};
use rand::Rng;

use super::txn::TransactionState;
use super::{Producer, ProducerTimer};
use crate::engine::blob::Blob;
use crate::engine::client::{KeyPattern, Workload};
use crate::engine::node::{Ctx, Timer};
use crate::engine::time::Millis;

/// The longest gap between two ticks (the rate is spread over ticks).
const TICK_MS_MAX: Millis = 100;
/// Records generated in one tick at most (a limit on burst work per event).
const RECORDS_PER_TICK_MAX: f64 = 1_000_000.0;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct WorkloadState {
    /// Only the timer carrying the current token is live.
    pub token: u64,
    /// Records generated so far (the `n` of `v-<n>`).
    pub generated: u64,
    /// Records owed by the rate but not yet generated (fractional).
    owed: f64,
    last_tick: Millis,
    /// Records sent in the current workload transaction.
    txn_records: u32,
    /// Transactions the workload has begun.
    txn_count: u64,
    /// Keys of a sequential or random pattern, formatted once.
    key_table: Option<(KeyPattern, Vec<Blob>)>,
}

impl WorkloadState {
    fn prepare_keys(&mut self, pattern: &KeyPattern) {
        if self.key_table.as_ref().is_some_and(|(p, _)| p == pattern) {
            return;
        }
        self.key_table = match pattern {
            KeyPattern::Sequential { prefix, cardinality } | KeyPattern::Random { prefix, cardinality }
                if *cardinality <= KEY_TABLE_MAX =>
            {
                let keys = (0..(*cardinality).max(1)).map(|i| Blob::from(format!("{prefix}{i}"))).collect();
                Some((pattern.clone(), keys))
            }
            KeyPattern::Fixed { key } => Some((pattern.clone(), vec![Blob::from(key.as_str())])),
            _ => None,
        };
    }

    /// The key of record `n`.
    fn key(&self, pattern: &KeyPattern, n: u64, ctx: &mut Ctx) -> Option<Blob> {
        let index = match pattern {
            KeyPattern::None => return None,
            KeyPattern::Fixed { .. } => 0,
            KeyPattern::Sequential { cardinality, .. } => n % u64::from((*cardinality).max(1)),
            KeyPattern::Random { cardinality, .. } => u64::from(ctx.rng.gen_range(0..(*cardinality).max(1))),
        };
        if let Some((_, keys)) = &self.key_table {
            return Some(keys[index as usize].clone());
        }
        match pattern {
            KeyPattern::Sequential { prefix, .. } | KeyPattern::Random { prefix, .. } => {
                Some(Blob::from(format!("{prefix}{index}")))
            }
            _ => unreachable!("fixed keys are always in the table"),
        }
    }
}

/// Tick period for a rate: one record per tick at low rates, at most `TICK_MS_MAX`.
pub(crate) fn tick_ms(rate_per_sec: f64) -> Millis {
    if rate_per_sec <= 0.0 {
        return TICK_MS_MAX;
    }
    ((1000.0 / rate_per_sec).floor() as Millis).clamp(1, TICK_MS_MAX)
}

/// Keys cached per pattern up to this cardinality (larger ones are formatted per record).
const KEY_TABLE_MAX: u32 = 100_000;

/// `v-<n>` padded with dots to `value_bytes` (never truncated).
#[cfg(test)]
pub(crate) fn value_for(n: u64, value_bytes: u32) -> Blob {
    ValueSlab::new(1, value_bytes).next(n)
}

/// Largest buffer a [`ValueSlab`] allocates at once. Below the allocator's
/// large-allocation threshold (glibc maps anything above 128 KiB with its
/// own `mmap`, and the kernel zeroes every page of it again), so the buffers
/// that retention frees are reused for new values instead of being unmapped
/// and faulted in again: with 1 KB records that was most of the run time.
const SLAB_CHUNK_BYTES_MAX: u64 = 64 * 1024;

/// Values of one tick written into shared buffers of at most
/// `SLAB_CHUNK_BYTES_MAX` and handed out as slices of them: one allocation
/// per chunk instead of one per record.
struct ValueSlab {
    buffer: BytesMut,
    value_bytes: u32,
    /// Capacity of each new buffer.
    chunk_bytes: usize,
}

impl ValueSlab {
    fn new(records: u64, value_bytes: u32) -> Self {
        let per_record = value_bytes.max(22) as u64; // "v-" and up to 20 digits
        let chunk_bytes = (records.max(1) * per_record).min(SLAB_CHUNK_BYTES_MAX.max(per_record)) as usize;
        let first = if records == 0 { 0 } else { chunk_bytes };
        ValueSlab { buffer: BytesMut::with_capacity(first), value_bytes, chunk_bytes }
    }

    fn next(&mut self, n: u64) -> Blob {
        let needed = self.value_bytes.max(22) as usize;
        if self.buffer.capacity() < needed {
            // A new buffer rather than growing this one: the values already handed out share it.
            self.buffer = BytesMut::with_capacity(self.chunk_bytes);
        }
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut rest = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.buffer.put_slice(b"v-");
        self.buffer.put_slice(&digits[i..]);
        let written = 2 + (digits.len() - i) as u32;
        if written < self.value_bytes {
            self.buffer.put_bytes(b'.', (self.value_bytes - written) as usize);
        }
        Blob(self.buffer.split().freeze())
    }
}

impl Producer {
    /// (Re)starts the workload timer; older timers become stale.
    pub(super) fn arm_workload(&mut self, ctx: &mut Ctx) {
        self.workload_state.token += 1;
        self.workload_state.last_tick = ctx.now;
        self.workload_state.owed = 0.0;
        let Some(workload) = &self.workload else { return };
        if workload.rate_per_sec <= 0.0 || self.closing {
            return;
        }
        let token = self.workload_state.token;
        ctx.set_timer(tick_ms(workload.rate_per_sec), Timer::Producer(ProducerTimer::Workload { token }));
    }

    pub(super) fn on_workload_tick(&mut self, ctx: &mut Ctx, token: u64) {
        if token != self.workload_state.token || self.closing {
            return;
        }
        let Some(workload) = self.workload.clone() else { return };
        let elapsed = ctx.now - self.workload_state.last_tick;
        self.workload_state.last_tick = ctx.now;
        if !self.paused {
            let owed = self.workload_state.owed + workload.rate_per_sec * elapsed as f64 / 1000.0;
            self.workload_state.owed = owed.min(RECORDS_PER_TICK_MAX);
            self.generate(ctx, &workload);
        }
        if self.workload_done(&workload) {
            self.finish_workload_transaction(ctx, &workload);
        } else if self.tm.fatal.is_none() {
            ctx.set_timer(tick_ms(workload.rate_per_sec), Timer::Producer(ProducerTimer::Workload { token }));
        }
        self.poll(ctx);
    }

    fn workload_done(&self, workload: &Workload) -> bool {
        workload.max_records.is_some_and(|max| self.workload_state.generated >= max)
    }

    fn generate(&mut self, ctx: &mut Ctx, workload: &Workload) {
        let wanted = self.workload_state.owed.floor() as u64;
        let remaining = workload.max_records.map_or(wanted, |max| max.saturating_sub(self.workload_state.generated));
        let mut values = ValueSlab::new(wanted.min(remaining), workload.value_bytes);
        self.workload_state.prepare_keys(&workload.key);
        while self.workload_state.owed >= 1.0 && !self.workload_done(workload) {
            if !self.workload_may_send(ctx, workload) {
                // Blocked (commit in flight, or no open transaction): the
                // application would be blocked too; do not build a backlog.
                self.workload_state.owed = self.workload_state.owed.min(1.0);
                return;
            }
            let n = self.workload_state.generated;
            let key = self.workload_state.key(&workload.key, n, ctx);
            let value = values.next(n);
            self.workload_state.generated += 1;
            self.workload_state.owed -= 1.0;
            if self.send_parts(ctx, &workload.topic, None, key, Some(value), Vec::new(), None).is_err() {
                // The producer refuses sends (fatal error): stop generating.
                self.workload_state.owed = 0.0;
                return;
            }
            self.workload_state.txn_records += 1;
        }
    }

    /// Moves the workload's transaction loop along; true when a record may be sent now.
    fn workload_may_send(&mut self, ctx: &mut Ctx, workload: &Workload) -> bool {
        let Some(state) = self.tm.state() else { return self.tm.fatal.is_none() };
        let Some(per_txn) = workload.records_per_transaction.filter(|n| *n > 0) else {
            let open =
                state == TransactionState::InTransaction || self.tm.txn.as_ref().is_some_and(|t| t.begin_after_init);
            return open;
        };
        let begun = self.tm.txn.as_ref().is_some_and(|t| t.begin_after_init);
        match state {
            TransactionState::Uninitialized | TransactionState::Initializing if !begun => {
                self.workload_begin(ctx);
                true
            }
            TransactionState::Ready => {
                self.workload_begin(ctx);
                true
            }
            TransactionState::Initializing | TransactionState::InTransaction => {
                if self.workload_state.txn_records < per_txn {
                    return true;
                }
                self.workload_end(ctx, workload);
                false
            }
            TransactionState::AbortableError => {
                let _ = self.abort_transaction(ctx);
                false
            }
            TransactionState::CommittingTransaction
            | TransactionState::AbortingTransaction
            | TransactionState::FatalError
            | TransactionState::Uninitialized => false,
        }
    }

    fn workload_begin(&mut self, ctx: &mut Ctx) {
        if self.begin_transaction(ctx).is_ok() {
            self.workload_state.txn_records = 0;
            self.workload_state.txn_count += 1;
        }
    }

    /// Commits the workload's transaction, or aborts every `abort_every`-th.
    fn workload_end(&mut self, ctx: &mut Ctx, workload: &Workload) {
        if self.tm.state() == Some(TransactionState::Initializing) {
            return; // wait for initTransactions; the transaction is not open yet
        }
        let abort =
            workload.abort_every > 0 && self.workload_state.txn_count.is_multiple_of(u64::from(workload.abort_every));
        let _ = if abort { self.abort_transaction(ctx) } else { self.commit_transaction(ctx) };
        self.workload_state.txn_records = 0;
    }

    /// `max_records` reached inside a workload transaction: end it.
    fn finish_workload_transaction(&mut self, ctx: &mut Ctx, workload: &Workload) {
        if workload.records_per_transaction.is_none_or(|n| n == 0) {
            return;
        }
        match self.tm.state() {
            Some(TransactionState::InTransaction) if self.workload_state.txn_records > 0 => {
                self.workload_end(ctx, workload)
            }
            Some(TransactionState::Initializing) => {
                // Still initialising: check again on the next tick.
                let token = self.workload_state.token;
                ctx.set_timer(tick_ms(workload.rate_per_sec), Timer::Producer(ProducerTimer::Workload { token }));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_padded_to_value_bytes() {
        assert_eq!(value_for(7, 8).to_text_lossy(), "v-7.....");
        assert_eq!(value_for(123456, 4).to_text_lossy(), "v-123456");
    }

    #[test]
    fn values_of_one_tick_share_one_buffer() {
        let mut slab = ValueSlab::new(3, 6);
        let a = slab.next(0);
        let b = slab.next(10);
        assert_eq!((a.to_text_lossy(), b.to_text_lossy()), ("v-0...".to_string(), "v-10..".to_string()));
        assert_eq!(value_for(0, 0).to_text_lossy(), "v-0");
    }

    #[test]
    fn values_of_a_large_tick_are_cut_from_buffers_of_bounded_size() {
        let mut slab = ValueSlab::new(1_000, 1_024);
        for n in 0..200 {
            let value = slab.next(n);
            assert_eq!(value.len(), 1_024);
            assert!(value.to_text_lossy().starts_with(&format!("v-{n}.")));
            assert!(slab.buffer.capacity() as u64 <= SLAB_CHUNK_BYTES_MAX);
        }
    }

    #[test]
    fn tick_period_follows_the_rate_within_bounds() {
        assert_eq!(tick_ms(10.0), 100);
        assert_eq!(tick_ms(1.0), 100);
        assert_eq!(tick_ms(250.0), 4);
        assert_eq!(tick_ms(1_000_000.0), 1);
    }
}
