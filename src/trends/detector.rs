//! The alert state machine of one topic: idle → pending → firing → idle,
//! with Prometheus' `for` and `keep_firing_for` and Elastic's throttle as
//! `cooldown` (trending.md §4.1, §4.3).
//!
//! Time is in whole minutes of message time; the detector is stepped once
//! per completed minute with whether the burst condition held.

use serde::{Deserialize, Serialize};

/// Where the topic stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Phase {
    /// Not bursting.
    Idle,
    /// The condition holds since `since`, not yet for `for`.
    Pending { since: i64 },
    /// Firing since `fired`; the condition first held at `onset` and last
    /// held at `last_true`.
    Firing {
        onset: i64,
        fired: i64,
        last_true: i64,
    },
}

/// The durations of a topic, in minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    /// `for`: how long the condition must hold before firing.
    pub(crate) hold: i64,
    /// `keep_firing_for`: how long firing outlasts the condition.
    pub(crate) keep: i64,
    /// `cooldown`: after resolving, how long before it may fire again.
    pub(crate) cooldown: i64,
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing to report.
    Quiet,
    /// Started firing; the condition first held at `onset`.
    Fire { onset: i64 },
    /// Stopped firing.
    Resolve,
}

/// One topic's state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Detector {
    /// Where it stands.
    pub(crate) phase: Phase,
    /// It may not start pending before this minute (end of the cooldown).
    pub(crate) quiet_until: i64,
}

impl Default for Detector {
    fn default() -> Detector {
        Detector {
            phase: Phase::Idle,
            quiet_until: i64::MIN,
        }
    }
}

impl Detector {
    /// Whether the topic is firing.
    pub(crate) fn is_firing(&self) -> bool {
        matches!(self.phase, Phase::Firing { .. })
    }

    /// Whether nothing is in progress (idle; a cooldown needs no stepping).
    pub(crate) fn is_idle(&self) -> bool {
        self.phase == Phase::Idle
    }

    /// Advances to minute `now` given whether the condition holds.
    pub(crate) fn step(&mut self, now: i64, holds: bool, timing: Timing) -> Step {
        match self.phase {
            Phase::Idle => {
                // A burst during the cooldown is not announced again: the
                // previous incident's actions are still recent (§1.2).
                if holds && now >= self.quiet_until {
                    self.phase = Phase::Pending { since: now };
                    return self.step(now, holds, timing);
                }
                Step::Quiet
            }
            Phase::Pending { since } => {
                if !holds {
                    self.phase = Phase::Idle;
                    Step::Quiet
                } else if now.saturating_sub(since) >= timing.hold {
                    self.phase = Phase::Firing {
                        onset: since,
                        fired: now,
                        last_true: now,
                    };
                    Step::Fire { onset: since }
                } else {
                    Step::Quiet
                }
            }
            Phase::Firing {
                onset,
                fired,
                last_true,
            } => {
                if holds {
                    self.phase = Phase::Firing {
                        onset,
                        fired,
                        last_true: now,
                    };
                    Step::Quiet
                } else if now.saturating_sub(last_true) >= timing.keep {
                    // Cooldown counts from the resolution: a flapping burst
                    // stays one incident (§4.3 `cooldown`).
                    self.phase = Phase::Idle;
                    self.quiet_until = now.saturating_add(timing.cooldown);
                    Step::Resolve
                } else {
                    Step::Quiet
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timing = Timing {
        hold: 2,
        keep: 3,
        cooldown: 10,
    };

    fn run(d: &mut Detector, from: i64, holds: &[bool]) -> Vec<(i64, Step)> {
        holds
            .iter()
            .enumerate()
            .map(|(i, &h)| (from + i as i64, d.step(from + i as i64, h, T)))
            .filter(|(_, s)| *s != Step::Quiet)
            .collect()
    }

    #[test]
    fn hold_keep_and_cooldown() {
        let mut d = Detector::default();
        // A blip shorter than `for` never fires.
        assert!(run(&mut d, 0, &[true, true, false]).is_empty());
        // Held for 2 minutes: fires at the third true minute.
        let steps = run(
            &mut d,
            10,
            &[true, true, true, false, true, false, false, false],
        );
        assert_eq!(
            steps,
            vec![(12, Step::Fire { onset: 10 }), (17, Step::Resolve)]
        );
        // Within the cooldown a new burst is swallowed…
        assert!(run(&mut d, 18, &[true; 9]).is_empty());
        // …and after it, fires again.
        let steps = run(&mut d, 27, &[true, true, true]);
        assert_eq!(steps, vec![(29, Step::Fire { onset: 27 })]);
    }

    #[test]
    fn zero_hold_fires_at_once() {
        let mut d = Detector::default();
        let t = Timing {
            hold: 0,
            keep: 0,
            cooldown: 0,
        };
        assert_eq!(d.step(5, true, t), Step::Fire { onset: 5 });
        assert_eq!(d.step(6, false, t), Step::Resolve);
        assert_eq!(d.step(7, true, t), Step::Fire { onset: 7 });
    }
}
