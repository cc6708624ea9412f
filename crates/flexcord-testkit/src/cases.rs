//! [`InMemoryCases`]: a complete [`CaseManagement`] in memory, idempotent creation included.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use flexcord_core::case::{Case, CaseFilter, CaseNote, CaseStatus, NewCase, Rating};
use flexcord_core::ids::CaseId;
use flexcord_core::ports::{CaseError, CaseManagement, Clock};

use crate::clock::FixedClock;

/// The first case number handed out.
pub const FIRST_CASE: u64 = 1001;

#[derive(Debug, Default)]
struct Inner {
    cases: BTreeMap<u64, Case>,
    by_key: HashMap<String, CaseId>,
    failing: Option<CaseError>,
    creates: usize,
}

/// An in-memory case system numbering cases from [`FIRST_CASE`]. While a failure is set
/// ([`InMemoryCases::fail_with`]) every call returns it.
#[derive(Debug, Clone)]
pub struct InMemoryCases {
    inner: Arc<Mutex<Inner>>,
    clock: Arc<dyn Clock>,
}

impl Default for InMemoryCases {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryCases {
    /// An empty case system on a [`FixedClock`].
    #[must_use]
    pub fn new() -> Self {
        Self::with_clock(Arc::new(FixedClock::default()))
    }

    /// An empty case system stamping with `clock`.
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::default())),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every call fails with `error` (`None` heals).
    pub fn fail_with(&self, error: Option<CaseError>) {
        self.lock().failing = error;
    }

    /// Every case, oldest first.
    #[must_use]
    pub fn all(&self) -> Vec<Case> {
        self.lock().cases.values().cloned().collect()
    }

    /// One case, if it exists (no failure switch).
    #[must_use]
    pub fn case(&self, id: CaseId) -> Option<Case> {
        self.lock().cases.get(&id.0).cloned()
    }

    /// How many `create` calls succeeded (idempotent repeats included).
    #[must_use]
    pub fn creates(&self) -> usize {
        self.lock().creates
    }

    fn check(&self) -> Result<MutexGuard<'_, Inner>, CaseError> {
        let inner = self.lock();
        match &inner.failing {
            Some(e) => Err(e.clone()),
            None => Ok(inner),
        }
    }

    fn with_case<T>(&self, id: CaseId, f: impl FnOnce(&mut Case) -> T) -> Result<T, CaseError> {
        let mut inner = self.check()?;
        inner
            .cases
            .get_mut(&id.0)
            .map(f)
            .ok_or(CaseError::NotFound(id))
    }
}

#[async_trait]
impl CaseManagement for InMemoryCases {
    async fn create(&self, case: &NewCase) -> Result<Case, CaseError> {
        let now = self.clock.now_ms();
        let mut inner = self.check()?;
        if case.title.trim().is_empty() {
            return Err(CaseError::Rejected("title is empty".into()));
        }
        if case.idempotency_key.is_empty() {
            return Err(CaseError::Rejected("idempotency key is empty".into()));
        }
        inner.creates += 1;
        if let Some(existing) = inner
            .by_key
            .get(&case.idempotency_key)
            .and_then(|id| inner.cases.get(&id.0))
        {
            return Ok(existing.clone());
        }
        let id = CaseId(FIRST_CASE + inner.cases.len() as u64);
        let stored = Case {
            id,
            kind: case.kind,
            title: case.title.clone(),
            description: case.description.clone(),
            fields: case.fields.clone(),
            reporter: case.reporter.clone(),
            source: case.source.clone(),
            priority: case.priority,
            status: CaseStatus::Open,
            rating: None,
            notes: Vec::new(),
            created_at_ms: now,
        };
        inner.cases.insert(id.0, stored.clone());
        inner.by_key.insert(case.idempotency_key.clone(), id);
        Ok(stored)
    }

    async fn get(&self, id: CaseId) -> Result<Case, CaseError> {
        self.with_case(id, |c| c.clone())
    }

    async fn list(&self, filter: &CaseFilter) -> Result<Vec<Case>, CaseError> {
        let inner = self.check()?;
        let limit = if filter.limit == 0 {
            50
        } else {
            filter.limit as usize
        };
        Ok(inner
            .cases
            .values()
            .rev()
            .filter(|c| filter.reporter.is_none_or(|r| c.reporter.user_id == r))
            .filter(|c| filter.kind.is_none_or(|k| c.kind == k))
            .filter(|c| filter.status.is_none_or(|s| c.status == s))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn add_note(&self, id: CaseId, note: &CaseNote) -> Result<(), CaseError> {
        let now = self.clock.now_ms();
        let mut note = note.clone();
        if note.at_ms == 0 {
            note.at_ms = now;
        }
        // Notes are kept oldest first by their time; equal times keep the order they came in.
        self.with_case(id, |c| {
            let at = c.notes.partition_point(|n| n.at_ms <= note.at_ms);
            c.notes.insert(at, note);
        })
    }

    async fn set_rating(&self, id: CaseId, rating: Rating) -> Result<(), CaseError> {
        self.with_case(id, |c| c.rating = Some(rating))
    }

    async fn set_status(&self, id: CaseId, status: CaseStatus) -> Result<(), CaseError> {
        self.with_case(id, |c| c.status = status)
    }
}
