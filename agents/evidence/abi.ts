/**
 * The EvidenceGame ABI the agents call (src/interfaces/IEvidenceGame.sol, plus the contract's public
 * CHALLENGE_BOND, MAX_CLOCK_DURATION and TOKEN), from `forge inspect`. Replaced by the generated
 * `evidenceGameAbi` (agents/generated/contracts.ts) once the contract is in the wagmi config.
 */
export const evidenceGameAbi = [
  {
    type: "function",
    name: "LEDGER",
    inputs: [],
    outputs: [{ name: "ledger_", type: "address" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "MAX_ACCUSATIONS",
    inputs: [],
    outputs: [{ name: "max_", type: "uint256" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "MAX_OUTPUT",
    inputs: [],
    outputs: [{ name: "maxOutput_", type: "uint256" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "MODELS",
    inputs: [],
    outputs: [{ name: "models_", type: "address" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "NO_ENTRY",
    inputs: [],
    outputs: [{ name: "none_", type: "uint32" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "accuse",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      { name: "_accusation", type: "uint8" },
      { name: "_index", type: "uint32" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "answer",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      { name: "_epoch", type: "uint256" },
      {
        name: "_commitment",
        type: "tuple",
        components: [
          { name: "version", type: "uint64" },
          { name: "snapshotTime", type: "uint64" },
          { name: "entryCount", type: "uint64" },
          { name: "totalBytes", type: "uint64" },
          { name: "corpusRoot", type: "bytes32" },
          { name: "saRoot", type: "bytes32" },
          { name: "isaRoot", type: "bytes32" },
          { name: "minMatch", type: "uint32" },
          { name: "maxOccurrences", type: "uint32" },
          { name: "maxEntries", type: "uint32" },
        ],
      },
      { name: "_evidenceRoot", type: "bytes32" },
      { name: "_entryCount", type: "uint32" },
      { name: "_ids", type: "uint64[]" },
      { name: "_scores", type: "uint256[]" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "claimCredit",
    inputs: [{ name: "_recipient", type: "address" }],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "concede",
    inputs: [{ name: "_disputeId", type: "uint256" }],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "credit",
    inputs: [{ name: "_recipient", type: "address" }],
    outputs: [{ name: "amount_", type: "uint256" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "defendCreditedSet",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_c",
        type: "tuple",
        components: [
          { name: "version", type: "uint64" },
          { name: "snapshotTime", type: "uint64" },
          { name: "entryCount", type: "uint64" },
          { name: "totalBytes", type: "uint64" },
          { name: "corpusRoot", type: "bytes32" },
          { name: "saRoot", type: "bytes32" },
          { name: "isaRoot", type: "bytes32" },
          { name: "minMatch", type: "uint32" },
          { name: "maxOccurrences", type: "uint32" },
          { name: "maxEntries", type: "uint32" },
        ],
      },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_occurrences",
        type: "tuple[]",
        components: [
          {
            name: "sa",
            type: "tuple",
            components: [
              { name: "rank", type: "uint64" },
              { name: "position", type: "uint64" },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "entry",
                type: "tuple",
                components: [
                  { name: "index", type: "uint64" },
                  { name: "contributionId", type: "uint64" },
                  { name: "start", type: "uint64" },
                  { name: "length", type: "uint64" },
                  { name: "contentRoot", type: "bytes32" },
                ],
              },
              { name: "proof", type: "bytes32[]" },
            ],
          },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "defendMaximal",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_c",
        type: "tuple",
        components: [
          { name: "version", type: "uint64" },
          { name: "snapshotTime", type: "uint64" },
          { name: "entryCount", type: "uint64" },
          { name: "totalBytes", type: "uint64" },
          { name: "corpusRoot", type: "bytes32" },
          { name: "saRoot", type: "bytes32" },
          { name: "isaRoot", type: "bytes32" },
          { name: "minMatch", type: "uint32" },
          { name: "maxOccurrences", type: "uint32" },
          { name: "maxEntries", type: "uint32" },
        ],
      },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_out",
        type: "tuple",
        components: [
          { name: "first", type: "uint64" },
          { name: "chunks", type: "bytes[]" },
          { name: "proofs", type: "bytes32[][]" },
        ],
      },
      {
        name: "_p",
        type: "tuple",
        components: [
          { name: "hasBelow", type: "bool" },
          { name: "hasAbove", type: "bool" },
          {
            name: "below",
            type: "tuple",
            components: [
              {
                name: "sa",
                type: "tuple",
                components: [
                  { name: "rank", type: "uint64" },
                  { name: "position", type: "uint64" },
                  { name: "proof", type: "bytes32[]" },
                ],
              },
              {
                name: "entry",
                type: "tuple",
                components: [
                  {
                    name: "entry",
                    type: "tuple",
                    components: [
                      { name: "index", type: "uint64" },
                      { name: "contributionId", type: "uint64" },
                      { name: "start", type: "uint64" },
                      { name: "length", type: "uint64" },
                      { name: "contentRoot", type: "bytes32" },
                    ],
                  },
                  { name: "proof", type: "bytes32[]" },
                ],
              },
              {
                name: "run",
                type: "tuple",
                components: [
                  { name: "first", type: "uint64" },
                  { name: "chunks", type: "bytes[]" },
                  { name: "proofs", type: "bytes32[][]" },
                ],
              },
            ],
          },
          {
            name: "above",
            type: "tuple",
            components: [
              {
                name: "sa",
                type: "tuple",
                components: [
                  { name: "rank", type: "uint64" },
                  { name: "position", type: "uint64" },
                  { name: "proof", type: "bytes32[]" },
                ],
              },
              {
                name: "entry",
                type: "tuple",
                components: [
                  {
                    name: "entry",
                    type: "tuple",
                    components: [
                      { name: "index", type: "uint64" },
                      { name: "contributionId", type: "uint64" },
                      { name: "start", type: "uint64" },
                      { name: "length", type: "uint64" },
                      { name: "contentRoot", type: "bytes32" },
                    ],
                  },
                  { name: "proof", type: "bytes32[]" },
                ],
              },
              {
                name: "run",
                type: "tuple",
                components: [
                  { name: "first", type: "uint64" },
                  { name: "chunks", type: "bytes[]" },
                  { name: "proofs", type: "bytes32[][]" },
                ],
              },
            ],
          },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "defendRange",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_c",
        type: "tuple",
        components: [
          { name: "version", type: "uint64" },
          { name: "snapshotTime", type: "uint64" },
          { name: "entryCount", type: "uint64" },
          { name: "totalBytes", type: "uint64" },
          { name: "corpusRoot", type: "bytes32" },
          { name: "saRoot", type: "bytes32" },
          { name: "isaRoot", type: "bytes32" },
          { name: "minMatch", type: "uint32" },
          { name: "maxOccurrences", type: "uint32" },
          { name: "maxEntries", type: "uint32" },
        ],
      },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_out",
        type: "tuple",
        components: [
          { name: "first", type: "uint64" },
          { name: "chunks", type: "bytes[]" },
          { name: "proofs", type: "bytes32[][]" },
        ],
      },
      {
        name: "_a",
        type: "tuple",
        components: [
          {
            name: "sa",
            type: "tuple",
            components: [
              { name: "rank", type: "uint64" },
              { name: "position", type: "uint64" },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "entry",
                type: "tuple",
                components: [
                  { name: "index", type: "uint64" },
                  { name: "contributionId", type: "uint64" },
                  { name: "start", type: "uint64" },
                  { name: "length", type: "uint64" },
                  { name: "contentRoot", type: "bytes32" },
                ],
              },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "run",
            type: "tuple",
            components: [
              { name: "first", type: "uint64" },
              { name: "chunks", type: "bytes[]" },
              { name: "proofs", type: "bytes32[][]" },
            ],
          },
        ],
      },
      {
        name: "_b",
        type: "tuple",
        components: [
          {
            name: "sa",
            type: "tuple",
            components: [
              { name: "rank", type: "uint64" },
              { name: "position", type: "uint64" },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "entry",
                type: "tuple",
                components: [
                  { name: "index", type: "uint64" },
                  { name: "contributionId", type: "uint64" },
                  { name: "start", type: "uint64" },
                  { name: "length", type: "uint64" },
                  { name: "contentRoot", type: "bytes32" },
                ],
              },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "run",
            type: "tuple",
            components: [
              { name: "first", type: "uint64" },
              { name: "chunks", type: "bytes[]" },
              { name: "proofs", type: "bytes32[][]" },
            ],
          },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "defendRankedScore",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      { name: "_ids", type: "uint64[]" },
      { name: "_scores", type: "uint256[]" },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "dispute",
    inputs: [{ name: "_disputeId", type: "uint256" }],
    outputs: [
      {
        name: "dispute_",
        type: "tuple",
        components: [
          { name: "challenger", type: "address" },
          { name: "claimId", type: "uint64" },
          { name: "txIndex", type: "uint32" },
          { name: "status", type: "uint8" },
          { name: "turn", type: "uint8" },
          { name: "pending", type: "uint8" },
          { name: "accusations", type: "uint8" },
          { name: "defender", type: "address" },
          { name: "defenderBond", type: "uint96" },
          { name: "challengerBond", type: "uint96" },
          { name: "accusedIndex", type: "uint32" },
          { name: "modelId", type: "uint64" },
          { name: "referenceTime", type: "uint64" },
          { name: "outputLength", type: "uint32" },
          { name: "epoch", type: "uint32" },
          { name: "entryCount", type: "uint32" },
          { name: "claimantClock", type: "uint128" },
          { name: "challengerClock", type: "uint128" },
          { name: "outputRoot", type: "bytes32" },
          { name: "weightsHash", type: "bytes32" },
          { name: "commitment", type: "bytes32" },
          { name: "evidenceRoot", type: "bytes32" },
          { name: "rankedHash", type: "bytes32" },
        ],
      },
    ],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "disputeCount",
    inputs: [],
    outputs: [{ name: "count_", type: "uint256" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "elapsed",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      { name: "_side", type: "uint8" },
    ],
    outputs: [{ name: "elapsed_", type: "uint64" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "evidenceLeaf",
    inputs: [
      { name: "_index", type: "uint32" },
      {
        name: "_entry",
        type: "tuple",
        components: [
          {
            name: "span",
            type: "tuple",
            components: [
              { name: "start", type: "uint32" },
              { name: "end", type: "uint32" },
              { name: "wonStart", type: "uint32" },
              { name: "wonEnd", type: "uint32" },
              { name: "lo", type: "uint64" },
              { name: "hi", type: "uint64" },
            ],
          },
          {
            name: "credits",
            type: "tuple[]",
            components: [
              { name: "id", type: "uint64" },
              { name: "runningScore", type: "uint256" },
              { name: "prev", type: "uint32" },
              { name: "next", type: "uint32" },
            ],
          },
        ],
      },
    ],
    outputs: [{ name: "leaf_", type: "bytes32" }],
    stateMutability: "pure",
  },
  {
    type: "function",
    name: "open",
    inputs: [
      { name: "_claimId", type: "uint256" },
      { name: "_txIndex", type: "uint256" },
      { name: "_tx", type: "bytes" },
      { name: "_txProof", type: "bytes32[]" },
      { name: "_output", type: "bytes" },
    ],
    outputs: [{ name: "disputeId_", type: "uint256" }],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveBrokenLink",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_a",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_b",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_id", type: "uint64" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveEntriesOutOfOrder",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_a",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_b",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveEntryMalformed",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_c",
        type: "tuple",
        components: [
          { name: "version", type: "uint64" },
          { name: "snapshotTime", type: "uint64" },
          { name: "entryCount", type: "uint64" },
          { name: "totalBytes", type: "uint64" },
          { name: "corpusRoot", type: "bytes32" },
          { name: "saRoot", type: "bytes32" },
          { name: "isaRoot", type: "bytes32" },
          { name: "minMatch", type: "uint32" },
          { name: "maxOccurrences", type: "uint32" },
          { name: "maxEntries", type: "uint32" },
        ],
      },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveFirstCredit",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_slot", type: "uint8" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveOmission",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_c",
        type: "tuple",
        components: [
          { name: "version", type: "uint64" },
          { name: "snapshotTime", type: "uint64" },
          { name: "entryCount", type: "uint64" },
          { name: "totalBytes", type: "uint64" },
          { name: "corpusRoot", type: "bytes32" },
          { name: "saRoot", type: "bytes32" },
          { name: "isaRoot", type: "bytes32" },
          { name: "minMatch", type: "uint32" },
          { name: "maxOccurrences", type: "uint32" },
          { name: "maxEntries", type: "uint32" },
        ],
      },
      { name: "_hasPrev", type: "bool" },
      {
        name: "_prev",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_hasNext", type: "bool" },
      {
        name: "_next",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_a", type: "uint32" },
      { name: "_x", type: "uint32" },
      {
        name: "_out",
        type: "tuple",
        components: [
          { name: "first", type: "uint64" },
          { name: "chunks", type: "bytes[]" },
          { name: "proofs", type: "bytes32[][]" },
        ],
      },
      {
        name: "_occurrence",
        type: "tuple",
        components: [
          {
            name: "sa",
            type: "tuple",
            components: [
              { name: "rank", type: "uint64" },
              { name: "position", type: "uint64" },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "entry",
                type: "tuple",
                components: [
                  { name: "index", type: "uint64" },
                  { name: "contributionId", type: "uint64" },
                  { name: "start", type: "uint64" },
                  { name: "length", type: "uint64" },
                  { name: "contentRoot", type: "bytes32" },
                ],
              },
              { name: "proof", type: "bytes32[]" },
            ],
          },
          {
            name: "run",
            type: "tuple",
            components: [
              { name: "first", type: "uint64" },
              { name: "chunks", type: "bytes[]" },
              { name: "proofs", type: "bytes32[][]" },
            ],
          },
        ],
      },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveRankingOmission",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      { name: "_ids", type: "uint64[]" },
      { name: "_scores", type: "uint256[]" },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_slot", type: "uint8" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveSkippedCredit",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_e",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_m",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_id", type: "uint64" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveUncovered",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      { name: "_hasA", type: "bool" },
      {
        name: "_a",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_hasB", type: "bool" },
      {
        name: "_b",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_k",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_p", type: "uint32" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "proveWonByte",
    inputs: [
      { name: "_disputeId", type: "uint256" },
      {
        name: "_j",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      {
        name: "_k",
        type: "tuple",
        components: [
          { name: "index", type: "uint32" },
          {
            name: "entry",
            type: "tuple",
            components: [
              {
                name: "span",
                type: "tuple",
                components: [
                  { name: "start", type: "uint32" },
                  { name: "end", type: "uint32" },
                  { name: "wonStart", type: "uint32" },
                  { name: "wonEnd", type: "uint32" },
                  { name: "lo", type: "uint64" },
                  { name: "hi", type: "uint64" },
                ],
              },
              {
                name: "credits",
                type: "tuple[]",
                components: [
                  { name: "id", type: "uint64" },
                  { name: "runningScore", type: "uint256" },
                  { name: "prev", type: "uint32" },
                  { name: "next", type: "uint32" },
                ],
              },
            ],
          },
          { name: "proof", type: "bytes32[]" },
        ],
      },
      { name: "_p", type: "uint32" },
    ],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "function",
    name: "resolve",
    inputs: [{ name: "_disputeId", type: "uint256" }],
    outputs: [],
    stateMutability: "nonpayable",
  },
  {
    type: "event",
    name: "AccusationAnswered",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "accusation", type: "uint8", indexed: false },
      { name: "index", type: "uint256", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "Accused",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "accusation", type: "uint8", indexed: false },
      { name: "index", type: "uint256", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "Answered",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "defender", type: "address", indexed: true },
      { name: "bond", type: "uint256", indexed: false },
      { name: "epoch", type: "uint256", indexed: false },
      { name: "evidenceRoot", type: "bytes32", indexed: false },
      { name: "entryCount", type: "uint256", indexed: false },
      { name: "ids", type: "uint64[]", indexed: false },
      { name: "scores", type: "uint256[]", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "Conceded",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "side", type: "uint8", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "CreditClaimed",
    inputs: [
      { name: "recipient", type: "address", indexed: true },
      { name: "amount", type: "uint256", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "DisputeOpened",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "claimId", type: "uint256", indexed: true },
      { name: "txIndex", type: "uint256", indexed: false },
      { name: "challenger", type: "address", indexed: true },
      { name: "bond", type: "uint256", indexed: false },
      { name: "outputRoot", type: "bytes32", indexed: false },
      { name: "output", type: "bytes", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "DisputeResolved",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "status", type: "uint8", indexed: false },
      { name: "winner", type: "address", indexed: true },
      { name: "paid", type: "uint256", indexed: false },
      { name: "burned", type: "uint256", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "SlashShared",
    inputs: [
      { name: "claimId", type: "uint256", indexed: true },
      { name: "pool", type: "uint256", indexed: false },
      { name: "shares", type: "uint256", indexed: false },
      { name: "perShare", type: "uint256", indexed: false },
      { name: "dust", type: "uint256", indexed: false },
    ],
    anonymous: false,
  },
  {
    type: "event",
    name: "ViolationProved",
    inputs: [
      { name: "disputeId", type: "uint256", indexed: true },
      { name: "violation", type: "uint8", indexed: false },
    ],
    anonymous: false,
  },
  { type: "error", name: "EvidenceGame_BadAccusation", inputs: [{ name: "index", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_BadEntry", inputs: [{ name: "index", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_BadOutput", inputs: [] },
  { type: "error", name: "EvidenceGame_BadOutputRun", inputs: [] },
  { type: "error", name: "EvidenceGame_BadParameters", inputs: [] },
  { type: "error", name: "EvidenceGame_BadTx", inputs: [{ name: "txIndex", type: "uint256" }] },
  {
    type: "error",
    name: "EvidenceGame_BogusEpoch",
    inputs: [
      { name: "modelId", type: "uint256" },
      { name: "epoch", type: "uint256" },
    ],
  },
  { type: "error", name: "EvidenceGame_ClaimNotPending", inputs: [{ name: "claimId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_NoCredit", inputs: [{ name: "recipient", type: "address" }] },
  { type: "error", name: "EvidenceGame_NoViolation", inputs: [] },
  { type: "error", name: "EvidenceGame_NotInProgress", inputs: [{ name: "disputeId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_NotPlayer", inputs: [{ name: "caller", type: "address" }] },
  { type: "error", name: "EvidenceGame_NotResolvable", inputs: [{ name: "disputeId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_NotSuffixModel", inputs: [{ name: "modelId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_OutOfTime", inputs: [{ name: "disputeId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_TooManyAccusations", inputs: [{ name: "disputeId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_WeightsMismatch", inputs: [] },
  { type: "error", name: "EvidenceGame_WrongCommitment", inputs: [] },
  { type: "error", name: "EvidenceGame_WrongMove", inputs: [{ name: "disputeId", type: "uint256" }] },
  { type: "error", name: "EvidenceGame_WrongRanking", inputs: [] },
  {
    type: "function",
    name: "CHALLENGE_BOND",
    inputs: [],
    outputs: [{ name: "", type: "uint96" }],
    stateMutability: "view",
  },
  {
    type: "function",
    name: "MAX_CLOCK_DURATION",
    inputs: [],
    outputs: [{ name: "", type: "uint64" }],
    stateMutability: "view",
  },
  { type: "function", name: "TOKEN", inputs: [], outputs: [{ name: "", type: "address" }], stateMutability: "view" },
] as const;
