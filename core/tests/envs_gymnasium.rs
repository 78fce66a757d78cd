//! The environments against gymnasium's transition tables (`env.unwrapped.P`).
//!
//! The constants below are the output of `python3 tools/env_reference.py` (gymnasium 1.4.0);
//! regenerate them with that script and paste its output over this block. Hashes are 64-bit
//! FNV-1a over the canonical byte encoding described in the script (and in [`table_hash`]).

use embedml::envs::{taxi, CliffWalking, Env, FrozenLake, Taxi};
use embedml::Rng;

/// `(round(prob · 1e6), next, reward, terminated)`, one outcome of `P[s][a]`.
type Outcome = (u32, usize, i32, bool);

// ---- begin tools/env_reference.py output ----
// gymnasium 1.4.0
const FL4_SLIPPERY_HASH: u64 = 0x431f01447a081d1c;
const FL4_SLIPPERY_INIT_HASH: u64 = 0x4c1849a3eedd0848;
const FL4_SLIPPERY_MAX_STEPS: Option<u32> = Some(100);
const FL4_SLIPPERY_P: [[[Outcome; 3]; 4]; 16] = [
    [
        [
            (333333, 0, 0, false),
            (333333, 0, 0, false),
            (333333, 4, 0, false),
        ],
        [
            (333333, 0, 0, false),
            (333333, 4, 0, false),
            (333333, 1, 0, false),
        ],
        [
            (333333, 4, 0, false),
            (333333, 1, 0, false),
            (333333, 0, 0, false),
        ],
        [
            (333333, 1, 0, false),
            (333333, 0, 0, false),
            (333333, 0, 0, false),
        ],
    ],
    [
        [
            (333333, 1, 0, false),
            (333333, 0, 0, false),
            (333333, 5, 0, true),
        ],
        [
            (333333, 0, 0, false),
            (333333, 5, 0, true),
            (333333, 2, 0, false),
        ],
        [
            (333333, 5, 0, true),
            (333333, 2, 0, false),
            (333333, 1, 0, false),
        ],
        [
            (333333, 2, 0, false),
            (333333, 1, 0, false),
            (333333, 0, 0, false),
        ],
    ],
    [
        [
            (333333, 2, 0, false),
            (333333, 1, 0, false),
            (333333, 6, 0, false),
        ],
        [
            (333333, 1, 0, false),
            (333333, 6, 0, false),
            (333333, 3, 0, false),
        ],
        [
            (333333, 6, 0, false),
            (333333, 3, 0, false),
            (333333, 2, 0, false),
        ],
        [
            (333333, 3, 0, false),
            (333333, 2, 0, false),
            (333333, 1, 0, false),
        ],
    ],
    [
        [
            (333333, 3, 0, false),
            (333333, 2, 0, false),
            (333333, 7, 0, true),
        ],
        [
            (333333, 2, 0, false),
            (333333, 7, 0, true),
            (333333, 3, 0, false),
        ],
        [
            (333333, 7, 0, true),
            (333333, 3, 0, false),
            (333333, 3, 0, false),
        ],
        [
            (333333, 3, 0, false),
            (333333, 3, 0, false),
            (333333, 2, 0, false),
        ],
    ],
    [
        [
            (333333, 0, 0, false),
            (333333, 4, 0, false),
            (333333, 8, 0, false),
        ],
        [
            (333333, 4, 0, false),
            (333333, 8, 0, false),
            (333333, 5, 0, true),
        ],
        [
            (333333, 8, 0, false),
            (333333, 5, 0, true),
            (333333, 0, 0, false),
        ],
        [
            (333333, 5, 0, true),
            (333333, 0, 0, false),
            (333333, 4, 0, false),
        ],
    ],
    [
        [(1000000, 5, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 5, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 5, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 5, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
    ],
    [
        [
            (333333, 2, 0, false),
            (333333, 5, 0, true),
            (333333, 10, 0, false),
        ],
        [
            (333333, 5, 0, true),
            (333333, 10, 0, false),
            (333333, 7, 0, true),
        ],
        [
            (333333, 10, 0, false),
            (333333, 7, 0, true),
            (333333, 2, 0, false),
        ],
        [
            (333333, 7, 0, true),
            (333333, 2, 0, false),
            (333333, 5, 0, true),
        ],
    ],
    [
        [(1000000, 7, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 7, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 7, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 7, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
    ],
    [
        [
            (333333, 4, 0, false),
            (333333, 8, 0, false),
            (333333, 12, 0, true),
        ],
        [
            (333333, 8, 0, false),
            (333333, 12, 0, true),
            (333333, 9, 0, false),
        ],
        [
            (333333, 12, 0, true),
            (333333, 9, 0, false),
            (333333, 4, 0, false),
        ],
        [
            (333333, 9, 0, false),
            (333333, 4, 0, false),
            (333333, 8, 0, false),
        ],
    ],
    [
        [
            (333333, 5, 0, true),
            (333333, 8, 0, false),
            (333333, 13, 0, false),
        ],
        [
            (333333, 8, 0, false),
            (333333, 13, 0, false),
            (333333, 10, 0, false),
        ],
        [
            (333333, 13, 0, false),
            (333333, 10, 0, false),
            (333333, 5, 0, true),
        ],
        [
            (333333, 10, 0, false),
            (333333, 5, 0, true),
            (333333, 8, 0, false),
        ],
    ],
    [
        [
            (333333, 6, 0, false),
            (333333, 9, 0, false),
            (333333, 14, 0, false),
        ],
        [
            (333333, 9, 0, false),
            (333333, 14, 0, false),
            (333333, 11, 0, true),
        ],
        [
            (333333, 14, 0, false),
            (333333, 11, 0, true),
            (333333, 6, 0, false),
        ],
        [
            (333333, 11, 0, true),
            (333333, 6, 0, false),
            (333333, 9, 0, false),
        ],
    ],
    [
        [(1000000, 11, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 11, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 11, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 11, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
    ],
    [
        [(1000000, 12, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 12, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 12, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 12, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
    ],
    [
        [
            (333333, 9, 0, false),
            (333333, 12, 0, true),
            (333333, 13, 0, false),
        ],
        [
            (333333, 12, 0, true),
            (333333, 13, 0, false),
            (333333, 14, 0, false),
        ],
        [
            (333333, 13, 0, false),
            (333333, 14, 0, false),
            (333333, 9, 0, false),
        ],
        [
            (333333, 14, 0, false),
            (333333, 9, 0, false),
            (333333, 12, 0, true),
        ],
    ],
    [
        [
            (333333, 10, 0, false),
            (333333, 13, 0, false),
            (333333, 14, 0, false),
        ],
        [
            (333333, 13, 0, false),
            (333333, 14, 0, false),
            (333333, 15, 1, true),
        ],
        [
            (333333, 14, 0, false),
            (333333, 15, 1, true),
            (333333, 10, 0, false),
        ],
        [
            (333333, 15, 1, true),
            (333333, 10, 0, false),
            (333333, 13, 0, false),
        ],
    ],
    [
        [(1000000, 15, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 15, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 15, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
        [(1000000, 15, 0, true), (0, 0, 0, false), (0, 0, 0, false)],
    ],
];
const FL4_DRY_HASH: u64 = 0x1ac59eb8c5040daa;
const FL4_DRY_INIT_HASH: u64 = 0x4c1849a3eedd0848;
const FL4_DRY_MAX_STEPS: Option<u32> = Some(100);
const FL4_DRY_P: [[[Outcome; 1]; 4]; 16] = [
    [
        [(1000000, 0, 0, false)],
        [(1000000, 4, 0, false)],
        [(1000000, 1, 0, false)],
        [(1000000, 0, 0, false)],
    ],
    [
        [(1000000, 0, 0, false)],
        [(1000000, 5, 0, true)],
        [(1000000, 2, 0, false)],
        [(1000000, 1, 0, false)],
    ],
    [
        [(1000000, 1, 0, false)],
        [(1000000, 6, 0, false)],
        [(1000000, 3, 0, false)],
        [(1000000, 2, 0, false)],
    ],
    [
        [(1000000, 2, 0, false)],
        [(1000000, 7, 0, true)],
        [(1000000, 3, 0, false)],
        [(1000000, 3, 0, false)],
    ],
    [
        [(1000000, 4, 0, false)],
        [(1000000, 8, 0, false)],
        [(1000000, 5, 0, true)],
        [(1000000, 0, 0, false)],
    ],
    [
        [(1000000, 5, 0, true)],
        [(1000000, 5, 0, true)],
        [(1000000, 5, 0, true)],
        [(1000000, 5, 0, true)],
    ],
    [
        [(1000000, 5, 0, true)],
        [(1000000, 10, 0, false)],
        [(1000000, 7, 0, true)],
        [(1000000, 2, 0, false)],
    ],
    [
        [(1000000, 7, 0, true)],
        [(1000000, 7, 0, true)],
        [(1000000, 7, 0, true)],
        [(1000000, 7, 0, true)],
    ],
    [
        [(1000000, 8, 0, false)],
        [(1000000, 12, 0, true)],
        [(1000000, 9, 0, false)],
        [(1000000, 4, 0, false)],
    ],
    [
        [(1000000, 8, 0, false)],
        [(1000000, 13, 0, false)],
        [(1000000, 10, 0, false)],
        [(1000000, 5, 0, true)],
    ],
    [
        [(1000000, 9, 0, false)],
        [(1000000, 14, 0, false)],
        [(1000000, 11, 0, true)],
        [(1000000, 6, 0, false)],
    ],
    [
        [(1000000, 11, 0, true)],
        [(1000000, 11, 0, true)],
        [(1000000, 11, 0, true)],
        [(1000000, 11, 0, true)],
    ],
    [
        [(1000000, 12, 0, true)],
        [(1000000, 12, 0, true)],
        [(1000000, 12, 0, true)],
        [(1000000, 12, 0, true)],
    ],
    [
        [(1000000, 12, 0, true)],
        [(1000000, 13, 0, false)],
        [(1000000, 14, 0, false)],
        [(1000000, 9, 0, false)],
    ],
    [
        [(1000000, 13, 0, false)],
        [(1000000, 14, 0, false)],
        [(1000000, 15, 1, true)],
        [(1000000, 10, 0, false)],
    ],
    [
        [(1000000, 15, 0, true)],
        [(1000000, 15, 0, true)],
        [(1000000, 15, 0, true)],
        [(1000000, 15, 0, true)],
    ],
];
const FL8_SLIPPERY_HASH: u64 = 0x801dff4247db61ff;
const FL8_SLIPPERY_INIT_HASH: u64 = 0xf204b45ca28fe048;
const FL8_SLIPPERY_MAX_STEPS: Option<u32> = Some(200);
const FL8_DRY_HASH: u64 = 0x7ae0b3a686a822ab;
const FL8_DRY_INIT_HASH: u64 = 0xf204b45ca28fe048;
const FL8_DRY_MAX_STEPS: Option<u32> = Some(200);
const CLIFF_HASH: u64 = 0x9d245dc1bdadbd99;
const CLIFF_INIT_HASH: u64 = 0x387a1f5e74107388;
const CLIFF_MAX_STEPS: Option<u32> = None;
const CLIFF_P: [[[Outcome; 1]; 4]; 48] = [
    [
        [(1000000, 0, -1, false)],
        [(1000000, 1, -1, false)],
        [(1000000, 12, -1, false)],
        [(1000000, 0, -1, false)],
    ],
    [
        [(1000000, 1, -1, false)],
        [(1000000, 2, -1, false)],
        [(1000000, 13, -1, false)],
        [(1000000, 0, -1, false)],
    ],
    [
        [(1000000, 2, -1, false)],
        [(1000000, 3, -1, false)],
        [(1000000, 14, -1, false)],
        [(1000000, 1, -1, false)],
    ],
    [
        [(1000000, 3, -1, false)],
        [(1000000, 4, -1, false)],
        [(1000000, 15, -1, false)],
        [(1000000, 2, -1, false)],
    ],
    [
        [(1000000, 4, -1, false)],
        [(1000000, 5, -1, false)],
        [(1000000, 16, -1, false)],
        [(1000000, 3, -1, false)],
    ],
    [
        [(1000000, 5, -1, false)],
        [(1000000, 6, -1, false)],
        [(1000000, 17, -1, false)],
        [(1000000, 4, -1, false)],
    ],
    [
        [(1000000, 6, -1, false)],
        [(1000000, 7, -1, false)],
        [(1000000, 18, -1, false)],
        [(1000000, 5, -1, false)],
    ],
    [
        [(1000000, 7, -1, false)],
        [(1000000, 8, -1, false)],
        [(1000000, 19, -1, false)],
        [(1000000, 6, -1, false)],
    ],
    [
        [(1000000, 8, -1, false)],
        [(1000000, 9, -1, false)],
        [(1000000, 20, -1, false)],
        [(1000000, 7, -1, false)],
    ],
    [
        [(1000000, 9, -1, false)],
        [(1000000, 10, -1, false)],
        [(1000000, 21, -1, false)],
        [(1000000, 8, -1, false)],
    ],
    [
        [(1000000, 10, -1, false)],
        [(1000000, 11, -1, false)],
        [(1000000, 22, -1, false)],
        [(1000000, 9, -1, false)],
    ],
    [
        [(1000000, 11, -1, false)],
        [(1000000, 11, -1, false)],
        [(1000000, 23, -1, false)],
        [(1000000, 10, -1, false)],
    ],
    [
        [(1000000, 0, -1, false)],
        [(1000000, 13, -1, false)],
        [(1000000, 24, -1, false)],
        [(1000000, 12, -1, false)],
    ],
    [
        [(1000000, 1, -1, false)],
        [(1000000, 14, -1, false)],
        [(1000000, 25, -1, false)],
        [(1000000, 12, -1, false)],
    ],
    [
        [(1000000, 2, -1, false)],
        [(1000000, 15, -1, false)],
        [(1000000, 26, -1, false)],
        [(1000000, 13, -1, false)],
    ],
    [
        [(1000000, 3, -1, false)],
        [(1000000, 16, -1, false)],
        [(1000000, 27, -1, false)],
        [(1000000, 14, -1, false)],
    ],
    [
        [(1000000, 4, -1, false)],
        [(1000000, 17, -1, false)],
        [(1000000, 28, -1, false)],
        [(1000000, 15, -1, false)],
    ],
    [
        [(1000000, 5, -1, false)],
        [(1000000, 18, -1, false)],
        [(1000000, 29, -1, false)],
        [(1000000, 16, -1, false)],
    ],
    [
        [(1000000, 6, -1, false)],
        [(1000000, 19, -1, false)],
        [(1000000, 30, -1, false)],
        [(1000000, 17, -1, false)],
    ],
    [
        [(1000000, 7, -1, false)],
        [(1000000, 20, -1, false)],
        [(1000000, 31, -1, false)],
        [(1000000, 18, -1, false)],
    ],
    [
        [(1000000, 8, -1, false)],
        [(1000000, 21, -1, false)],
        [(1000000, 32, -1, false)],
        [(1000000, 19, -1, false)],
    ],
    [
        [(1000000, 9, -1, false)],
        [(1000000, 22, -1, false)],
        [(1000000, 33, -1, false)],
        [(1000000, 20, -1, false)],
    ],
    [
        [(1000000, 10, -1, false)],
        [(1000000, 23, -1, false)],
        [(1000000, 34, -1, false)],
        [(1000000, 21, -1, false)],
    ],
    [
        [(1000000, 11, -1, false)],
        [(1000000, 23, -1, false)],
        [(1000000, 35, -1, false)],
        [(1000000, 22, -1, false)],
    ],
    [
        [(1000000, 12, -1, false)],
        [(1000000, 25, -1, false)],
        [(1000000, 36, -1, false)],
        [(1000000, 24, -1, false)],
    ],
    [
        [(1000000, 13, -1, false)],
        [(1000000, 26, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 24, -1, false)],
    ],
    [
        [(1000000, 14, -1, false)],
        [(1000000, 27, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 25, -1, false)],
    ],
    [
        [(1000000, 15, -1, false)],
        [(1000000, 28, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 26, -1, false)],
    ],
    [
        [(1000000, 16, -1, false)],
        [(1000000, 29, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 27, -1, false)],
    ],
    [
        [(1000000, 17, -1, false)],
        [(1000000, 30, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 28, -1, false)],
    ],
    [
        [(1000000, 18, -1, false)],
        [(1000000, 31, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 29, -1, false)],
    ],
    [
        [(1000000, 19, -1, false)],
        [(1000000, 32, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 30, -1, false)],
    ],
    [
        [(1000000, 20, -1, false)],
        [(1000000, 33, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 31, -1, false)],
    ],
    [
        [(1000000, 21, -1, false)],
        [(1000000, 34, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 32, -1, false)],
    ],
    [
        [(1000000, 22, -1, false)],
        [(1000000, 35, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 33, -1, false)],
    ],
    [
        [(1000000, 23, -1, false)],
        [(1000000, 35, -1, false)],
        [(1000000, 47, -1, true)],
        [(1000000, 34, -1, false)],
    ],
    [
        [(1000000, 24, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -1, false)],
        [(1000000, 36, -1, false)],
    ],
    [
        [(1000000, 25, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -1, false)],
    ],
    [
        [(1000000, 26, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 27, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 28, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 29, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 30, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 31, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 32, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 33, -1, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 34, -1, false)],
        [(1000000, 47, -1, true)],
        [(1000000, 36, -100, false)],
        [(1000000, 36, -100, false)],
    ],
    [
        [(1000000, 35, -1, false)],
        [(1000000, 47, -1, true)],
        [(1000000, 47, -1, true)],
        [(1000000, 36, -100, false)],
    ],
];
const CLIFF_SLIPPERY_HASH: u64 = 0x88237ac619268e8d;
const CLIFF_SLIPPERY_INIT_HASH: u64 = 0x387a1f5e74107388;
const CLIFF_SLIPPERY_MAX_STEPS: Option<u32> = None;
const TAXI_HASH: u64 = 0xfbad0ad268cd9135;
const TAXI_INIT_HASH: u64 = 0x3995df9faefba26d;
const TAXI_MAX_STEPS: Option<u32> = Some(200);
const TAXI_SPOTS: [(usize, usize, usize, i32, bool); 48] = [
    (0, 0, 100, -1, false),
    (0, 1, 0, -1, false),
    (0, 2, 20, -1, false),
    (0, 3, 0, -1, false),
    (0, 4, 16, -1, false),
    (0, 5, 0, -10, false),
    (16, 0, 116, -1, false),
    (16, 1, 16, -1, false),
    (16, 2, 36, -1, false),
    (16, 3, 16, -1, false),
    (16, 4, 16, -10, false),
    (16, 5, 0, 20, true),
    (77, 0, 177, -1, false),
    (77, 1, 77, -1, false),
    (77, 2, 97, -1, false),
    (77, 3, 57, -1, false),
    (77, 4, 77, -10, false),
    (77, 5, 77, -10, false),
    (123, 0, 223, -1, false),
    (123, 1, 23, -1, false),
    (123, 2, 123, -1, false),
    (123, 3, 103, -1, false),
    (123, 4, 123, -10, false),
    (123, 5, 123, -10, false),
    (328, 0, 428, -1, false),
    (328, 1, 228, -1, false),
    (328, 2, 348, -1, false),
    (328, 3, 328, -1, false),
    (328, 4, 328, -10, false),
    (328, 5, 328, -10, false),
    (410, 0, 410, -1, false),
    (410, 1, 310, -1, false),
    (410, 2, 410, -1, false),
    (410, 3, 410, -1, false),
    (410, 4, 418, -1, false),
    (410, 5, 410, -10, false),
    (479, 0, 479, -1, false),
    (479, 1, 379, -1, false),
    (479, 2, 499, -1, false),
    (479, 3, 479, -1, false),
    (479, 4, 479, -10, false),
    (479, 5, 475, 20, true),
    (499, 0, 499, -1, false),
    (499, 1, 399, -1, false),
    (499, 2, 499, -1, false),
    (499, 3, 479, -1, false),
    (499, 4, 499, -10, false),
    (499, 5, 499, -10, false),
];
const CUSTOM_3X5_HASH: u64 = 0x390bb9dcc47ee976;
const CUSTOM_3X5_INIT_HASH: u64 = 0xd760c97434fdc7c8;
const CUSTOM_3X5_MAX_STEPS: Option<u32> = Some(100);
// ---- end tools/env_reference.py output ----

const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01B3;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h = (h ^ b as u64).wrapping_mul(FNV_PRIME);
    }
    h
}

fn micros(p: f32) -> u32 {
    libm::round(p as f64 * 1e6) as u32
}

/// Same encoding as `tools/env_reference.py`.
fn table_hash(env: &dyn Env) -> u64 {
    let mut h = FNV_OFFSET;
    for s in 0..env.n_states() {
        for a in 0..env.n_actions() {
            let t = env.transitions(s, a).unwrap();
            h = fnv(h, &(t.as_slice().len() as u32).to_le_bytes());
            for o in t.as_slice() {
                h = fnv(h, &micros(o.prob).to_le_bytes());
                h = fnv(h, &(o.next as u32).to_le_bytes());
                h = fnv(h, &(o.reward.round() as i32).to_le_bytes());
                h = fnv(h, &[o.terminated as u8]);
            }
        }
    }
    h
}

fn init_hash(env: &dyn Env) -> u64 {
    let mut h = FNV_OFFSET;
    for s in 0..env.n_states() {
        h = fnv(h, &micros(env.initial_probability(s)).to_le_bytes());
    }
    h
}

fn check_full<const S: usize, const A: usize, const K: usize>(
    env: &dyn Env,
    table: &[[[Outcome; K]; A]; S],
) {
    assert_eq!((env.n_states(), env.n_actions()), (S, A));
    for (s, row) in table.iter().enumerate() {
        for (a, outs) in row.iter().enumerate() {
            let t = env.transitions(s, a).unwrap();
            let want: Vec<_> = outs.iter().filter(|o| o.0 > 0).copied().collect();
            let got: Vec<_> = t
                .as_slice()
                .iter()
                .map(|o| {
                    (
                        micros(o.prob),
                        o.next,
                        o.reward.round() as i32,
                        o.terminated,
                    )
                })
                .collect();
            assert_eq!(got, want, "P[{s}][{a}]");
        }
    }
}

fn check(env: &dyn Env, hash: u64, init: u64, max_steps: Option<u32>, name: &str) {
    assert_eq!(
        table_hash(env),
        hash,
        "{name}: transition table differs from gymnasium"
    );
    assert_eq!(init_hash(env), init, "{name}: initial distribution differs");
    assert_eq!(env.max_episode_steps(), max_steps, "{name}: time limit");
}

#[test]
fn frozen_lake_matches_gymnasium() {
    let slippery = FrozenLake::<4, 4>::standard(true);
    let dry = FrozenLake::<4, 4>::standard(false);
    check_full(&slippery, &FL4_SLIPPERY_P);
    check_full(&dry, &FL4_DRY_P);
    check(
        &slippery,
        FL4_SLIPPERY_HASH,
        FL4_SLIPPERY_INIT_HASH,
        FL4_SLIPPERY_MAX_STEPS,
        "FL4s",
    );
    check(
        &dry,
        FL4_DRY_HASH,
        FL4_DRY_INIT_HASH,
        FL4_DRY_MAX_STEPS,
        "FL4",
    );
    let s8 = FrozenLake::<8, 8>::standard(true);
    let d8 = FrozenLake::<8, 8>::standard(false);
    check(
        &s8,
        FL8_SLIPPERY_HASH,
        FL8_SLIPPERY_INIT_HASH,
        FL8_SLIPPERY_MAX_STEPS,
        "FL8s",
    );
    check(
        &d8,
        FL8_DRY_HASH,
        FL8_DRY_INIT_HASH,
        FL8_DRY_MAX_STEPS,
        "FL8",
    );
    // A custom map from rows equals the standard one.
    let rows: [&[u8]; 4] = [b"SFFF", b"FHFH", b"FFFH", b"HFFG"];
    let custom = FrozenLake::<4, 4>::from_rows(&rows, true, Some(100)).unwrap();
    assert_eq!(table_hash(&custom), FL4_SLIPPERY_HASH);
    assert!(FrozenLake::<4, 4>::from_rows(&rows[..3], true, None).is_err());
    // A custom 3×5 map: state = row · 5 + col, as in gymnasium.
    let rows: [&[u8]; 3] = [b"SFFHF", b"FHFFF", b"FFFHG"];
    let custom = FrozenLake::<3, 5>::from_rows(&rows, true, Some(100)).unwrap();
    check(
        &custom,
        CUSTOM_3X5_HASH,
        CUSTOM_3X5_INIT_HASH,
        CUSTOM_3X5_MAX_STEPS,
        "3x5",
    );
    let bad: [&[u8]; 4] = [b"SFFF", b"FXFH", b"FFFH", b"HFFG"];
    assert!(FrozenLake::<4, 4>::from_rows(&bad, true, None).is_err());
}

#[test]
fn cliff_walking_matches_gymnasium() {
    let env = CliffWalking::new(false);
    check_full(&env, &CLIFF_P);
    check(
        &env,
        CLIFF_HASH,
        CLIFF_INIT_HASH,
        CLIFF_MAX_STEPS,
        "CliffWalking",
    );
    let slip = CliffWalking::new(true);
    check(
        &slip,
        CLIFF_SLIPPERY_HASH,
        CLIFF_SLIPPERY_INIT_HASH,
        CLIFF_SLIPPERY_MAX_STEPS,
        "slip",
    );
}

#[test]
fn taxi_matches_gymnasium() {
    let env = Taxi::new();
    check(&env, TAXI_HASH, TAXI_INIT_HASH, TAXI_MAX_STEPS, "Taxi");
    for &(s, a, next, r, term) in &TAXI_SPOTS {
        let t = env.transitions(s, a).unwrap();
        let o = t.as_slice()[0];
        assert_eq!(
            (o.next, o.reward as i32, o.terminated),
            (next, r, term),
            "P[{s}][{a}]"
        );
    }
    for s in 0..500 {
        let (r, c, p, d) = taxi::decode(s);
        assert_eq!(taxi::encode(r, c, p, d), s);
    }
}

#[test]
fn episodes_follow_gymnasium_semantics() {
    let mut rng = Rng::new(1);
    // Non-slippery 4×4: the shortest path (down, down, right, right, down, right) reaches G.
    let mut env = FrozenLake::<4, 4>::standard(false);
    assert_eq!(env.reset(&mut rng), 0);
    let mut last = None;
    for a in [1, 1, 2, 2, 1, 2] {
        last = Some(env.step(a, &mut rng).unwrap());
    }
    let last = last.unwrap();
    assert_eq!((last.state, last.reward, last.terminated), (15, 1.0, true));
    // The time limit truncates: 100 steps of "left" in the corner.
    env.reset(&mut rng);
    let mut n = 0;
    loop {
        let st = env.step(0, &mut rng).unwrap();
        n += 1;
        if st.truncated || st.terminated {
            assert!(st.truncated && !st.terminated);
            break;
        }
    }
    assert_eq!(n, 100);
    // Slippery: each of the three directions occurs about 1/3 of the time.
    let mut slip = FrozenLake::<4, 4>::standard(true);
    let mut counts = [0u32; 16];
    for _ in 0..30_000 {
        slip.reset_to(5 + 1).unwrap(); // state 6, a frozen cell
        counts[slip.step(1, &mut rng).unwrap().state] += 1; // down: to 5 (left), 10, 7 (right)
    }
    for s in [5, 10, 7] {
        assert!(
            (counts[s] as f32 / 30_000.0 - 1.0 / 3.0).abs() < 0.015,
            "{counts:?}"
        );
    }
    // CliffWalking: the cliff costs −100 and returns to the start without terminating.
    let mut cliff = CliffWalking::new(false);
    assert_eq!(cliff.reset(&mut rng), 36);
    let st = cliff.step(1, &mut rng).unwrap();
    assert_eq!(
        (st.state, st.reward, st.terminated, st.truncated),
        (36, -100.0, false, false)
    );
    // Taxi starts only where the passenger waits at a stand other than the destination.
    let mut taxi_env = Taxi::new();
    for _ in 0..1000 {
        let s = taxi_env.reset(&mut rng);
        let (_, _, p, d) = taxi::decode(s);
        assert!(p < 4 && p != d);
    }
    assert!(env.step(4, &mut rng).is_err());
    assert!(env.reset_to(16).is_err());
}
