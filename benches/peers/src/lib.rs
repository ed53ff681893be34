//! Side-by-side comparison of `handover` with two peers, Cedar
//! (`cedar-policy`) and GoRules zen (`zen-engine`), on the same generated
//! escalation policies (issue 8). See `docs/performance.md` in the main
//! repository for the modelling notes and the figures.
//!
//! - [`spec`]: the engine-neutral policy and facts, their generators, and a
//!   reference implementation of the handover hit policy;
//! - [`render`]: the policy as `.handover` text, a Cedar policy set and a zen
//!   JDM decision graph;
//! - [`engines`]: load / native input / decide / outcome for each engine.

pub mod engines;
pub mod render;
pub mod spec;

pub use engines::{CedarEngine, HandoverEngine, ZenEngine};
pub use spec::{generate, Fact, Outcome, PolicySpec};

/// The policy sizes of the comparison.
pub const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// One policy in its three forms, loaded.
pub struct Loaded {
    pub spec: PolicySpec,
    pub handover_text: String,
    pub cedar_text: String,
    pub zen_text: String,
    pub handover: HandoverEngine,
    pub cedar: CedarEngine,
    pub zen: ZenEngine,
}

/// Generate a policy of `n` rules and load it into the three engines.
pub fn load_all(n: usize, seed: u64) -> Result<Loaded, String> {
    let spec = generate(n, seed);
    let handover_text = render::handover(&spec);
    let cedar_text = render::cedar(&spec);
    let zen_text = render::zen(&spec);
    let handover = HandoverEngine::load(&handover_text).map_err(|e| format!("handover: {e}"))?;
    let cedar = CedarEngine::load(&cedar_text).map_err(|e| format!("cedar: {e}"))?;
    let zen = ZenEngine::load(&zen_text).map_err(|e| format!("zen: {e}"))?;
    Ok(Loaded {
        spec,
        handover_text,
        cedar_text,
        zen_text,
        handover,
        cedar,
        zen,
    })
}
