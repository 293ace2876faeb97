//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// AttributionLedger
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const attributionLedgerAbi = [
  {
    type: 'constructor',
    inputs: [
      {
        name: '_p',
        internalType: 'struct IAttributionLedger.Params',
        type: 'tuple',
        components: [
          { name: 'token', internalType: 'address', type: 'address' },
          { name: 'escrow', internalType: 'address', type: 'address' },
          { name: 'contributions', internalType: 'address', type: 'address' },
          { name: 'models', internalType: 'address', type: 'address' },
          { name: 'protocol', internalType: 'address', type: 'address' },
          { name: 'challengeWindow', internalType: 'uint64', type: 'uint64' },
          { name: 'maxReferenceLag', internalType: 'uint64', type: 'uint64' },
          { name: 'unbondDelay', internalType: 'uint64', type: 'uint64' },
          { name: 'claimBond', internalType: 'uint128', type: 'uint128' },
          { name: 'maxEntries', internalType: 'uint256', type: 'uint256' },
          { name: 'burnBps', internalType: 'uint16', type: 'uint16' },
        ],
      },
    ],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'BURN_ADDRESS',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'BURN_BPS',
    outputs: [{ name: '', internalType: 'uint16', type: 'uint16' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'CHALLENGE_WINDOW',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'CLAIM_BOND',
    outputs: [{ name: '', internalType: 'uint128', type: 'uint128' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'CONTRIBUTIONS',
    outputs: [
      {
        name: '',
        internalType: 'contract IContributionViews',
        type: 'address',
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'DEPLOYER',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'DOMAIN_SEPARATOR',
    outputs: [{ name: '', internalType: 'bytes32', type: 'bytes32' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'ESCROW',
    outputs: [
      { name: '', internalType: 'contract IPaymentEscrow', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MAX_ENTRIES',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MAX_REFERENCE_LAG',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MODELS',
    outputs: [
      { name: '', internalType: 'contract IModelViews', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'PROTOCOL',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'TOKEN',
    outputs: [{ name: '', internalType: 'contract IERC20', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'UNBOND_DELAY',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_amount', internalType: 'uint256', type: 'uint256' }],
    name: 'bond',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_account', internalType: 'address', type: 'address' }],
    name: 'bondOf',
    outputs: [
      {
        name: 'bond_',
        internalType: 'struct IAttributionLedger.Bond',
        type: 'tuple',
        components: [
          { name: 'bonded', internalType: 'uint128', type: 'uint128' },
          { name: 'locked', internalType: 'uint128', type: 'uint128' },
          { name: 'unbonding', internalType: 'uint128', type: 'uint128' },
          { name: 'unbondReadyAt', internalType: 'uint64', type: 'uint64' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'claim',
    outputs: [
      {
        name: 'claim_',
        internalType: 'struct IAttributionLedger.Claim',
        type: 'tuple',
        components: [
          { name: 'claimant', internalType: 'address', type: 'address' },
          { name: 'postedAt', internalType: 'uint64', type: 'uint64' },
          { name: 'openGames', internalType: 'uint32', type: 'uint32' },
          { name: 'referenceTime', internalType: 'uint64', type: 'uint64' },
          { name: 'parentId', internalType: 'uint64', type: 'uint64' },
          { name: 'liveChild', internalType: 'uint64', type: 'uint64' },
          {
            name: 'status',
            internalType: 'enum IAttributionLedger.Status',
            type: 'uint8',
          },
          { name: 'bondLocked', internalType: 'bool', type: 'bool' },
          { name: 'txRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'accountsRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'debitsHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'pot', internalType: 'uint128', type: 'uint128' },
          { name: 'batchSize', internalType: 'uint128', type: 'uint128' },
          { name: 'totalCredited', internalType: 'uint128', type: 'uint128' },
          { name: 'txCount', internalType: 'uint128', type: 'uint128' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'claimCount',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'claimForGame',
    outputs: [
      {
        name: 'view_',
        internalType: 'struct IAttributionLedger.GameView',
        type: 'tuple',
        components: [
          {
            name: 'status',
            internalType: 'enum IAttributionLedger.Status',
            type: 'uint8',
          },
          { name: 'claimant', internalType: 'address', type: 'address' },
          { name: 'parentId', internalType: 'uint256', type: 'uint256' },
          { name: 'txRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'preCommitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'postCommitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'startTxCount', internalType: 'uint256', type: 'uint256' },
          { name: 'batchSize', internalType: 'uint256', type: 'uint256' },
          { name: 'referenceTime', internalType: 'uint64', type: 'uint64' },
          { name: 'postedAt', internalType: 'uint64', type: 'uint64' },
          { name: 'openGames', internalType: 'uint32', type: 'uint32' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'commitmentOf',
    outputs: [
      { name: 'commitment_', internalType: 'bytes32', type: 'bytes32' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'disputeGame',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'finalize',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'gameClosed',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'gameOpened',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'latestFinalized',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_parentId', internalType: 'uint256', type: 'uint256' },
      { name: '_batch', internalType: 'bytes', type: 'bytes' },
      {
        name: '_newState',
        internalType: 'struct State',
        type: 'tuple',
        components: [
          { name: 'accountsRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'totalCredited', internalType: 'uint256', type: 'uint256' },
          { name: 'totalCharged', internalType: 'uint256', type: 'uint256' },
          { name: 'txCount', internalType: 'uint256', type: 'uint256' },
        ],
      },
      { name: '_referenceTime', internalType: 'uint64', type: 'uint64' },
      {
        name: '_debits',
        internalType: 'struct Debit[]',
        type: 'tuple[]',
        components: [
          { name: 'payer', internalType: 'address', type: 'address' },
          { name: 'amount', internalType: 'uint256', type: 'uint256' },
        ],
      },
    ],
    name: 'postClaim',
    outputs: [{ name: 'claimId_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_claimId', internalType: 'uint256', type: 'uint256' },
      {
        name: '_debits',
        internalType: 'struct Debit[]',
        type: 'tuple[]',
        components: [
          { name: 'payer', internalType: 'address', type: 'address' },
          { name: 'amount', internalType: 'uint256', type: 'uint256' },
        ],
      },
    ],
    name: 'refund',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '', internalType: 'bytes32', type: 'bytes32' }],
    name: 'repostable',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_amount', internalType: 'uint256', type: 'uint256' }],
    name: 'requestUnbond',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_game', internalType: 'address', type: 'address' }],
    name: 'setDisputeGame',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'sigmaContext',
    outputs: [
      {
        name: 'ctx_',
        internalType: 'struct SigmaContext',
        type: 'tuple',
        components: [
          { name: 'domainSeparator', internalType: 'bytes32', type: 'bytes32' },
          { name: 'protocol', internalType: 'address', type: 'address' },
          { name: 'referenceTime', internalType: 'uint64', type: 'uint64' },
          { name: 'maxEntries', internalType: 'uint256', type: 'uint256' },
          {
            name: 'contributions',
            internalType: 'contract IContributionViews',
            type: 'address',
          },
          {
            name: 'models',
            internalType: 'contract IModelViews',
            type: 'address',
          },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalBonded',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalFinalizedCredited',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalPots',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalWithdrawn',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'unbond',
    outputs: [{ name: 'amount_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_claimId', internalType: 'uint256', type: 'uint256' },
      { name: '_winner', internalType: 'address', type: 'address' },
    ],
    name: 'voidClaim',
    outputs: [{ name: 'voided_', internalType: 'bool', type: 'bool' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'voidDescendant',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_account', internalType: 'address', type: 'address' },
      {
        name: '_leaf',
        internalType: 'struct Leaf',
        type: 'tuple',
        components: [
          { name: 'earned', internalType: 'uint256', type: 'uint256' },
          { name: 'charged', internalType: 'uint256', type: 'uint256' },
          { name: 'nonceBase', internalType: 'uint256', type: 'uint256' },
          { name: 'nonceBitmap', internalType: 'uint256', type: 'uint256' },
        ],
      },
      { name: '_proof', internalType: 'bytes', type: 'bytes' },
    ],
    name: 'withdraw',
    outputs: [{ name: 'amount_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '', internalType: 'address', type: 'address' }],
    name: 'withdrawn',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'claimant',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'winner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'paid',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'burned',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'BondSlashed',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Bonded',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      { name: 'batch', internalType: 'bytes', type: 'bytes', indexed: false },
      {
        name: 'debits',
        internalType: 'struct Debit[]',
        type: 'tuple[]',
        components: [
          { name: 'payer', internalType: 'address', type: 'address' },
          { name: 'amount', internalType: 'uint256', type: 'uint256' },
        ],
        indexed: false,
      },
    ],
    name: 'ClaimData',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'accountsRoot',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
    ],
    name: 'ClaimFinalized',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'parentId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'claimant',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'txRoot',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'commitment',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'batchSize',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'referenceTime',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
      { name: 'pot', internalType: 'uint256', type: 'uint256', indexed: false },
    ],
    name: 'ClaimPosted',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'voidedId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
    ],
    name: 'ClaimReposted',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      { name: 'byGame', internalType: 'bool', type: 'bool', indexed: false },
    ],
    name: 'ClaimVoided',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      { name: 'game', internalType: 'address', type: 'address', indexed: true },
    ],
    name: 'DisputeGameSet',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'openGames',
        internalType: 'uint32',
        type: 'uint32',
        indexed: false,
      },
    ],
    name: 'OpenGamesChanged',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'PotRefunded',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'withdrawn',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'RewardsWithdrawn',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'readyAt',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'UnbondRequested',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Unbonded',
  },
  {
    type: 'error',
    inputs: [{ name: 'name', internalType: 'string', type: 'string' }],
    name: 'AttributionLedger_BadParameter',
  },
  {
    type: 'error',
    inputs: [{ name: 'referenceTime', internalType: 'uint64', type: 'uint64' }],
    name: 'AttributionLedger_BadReferenceTime',
  },
  {
    type: 'error',
    inputs: [{ name: 'amount', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_BondTooLarge',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_DebitsMismatch',
  },
  {
    type: 'error',
    inputs: [{ name: 'index', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_DebitsNotSorted',
  },
  {
    type: 'error',
    inputs: [],
    name: 'AttributionLedger_DisputeGameAlreadySet',
  },
  { type: 'error', inputs: [], name: 'AttributionLedger_DisputeGameNotSet' },
  { type: 'error', inputs: [], name: 'AttributionLedger_EmptyClaim' },
  {
    type: 'error',
    inputs: [{ name: 'account', internalType: 'address', type: 'address' }],
    name: 'AttributionLedger_FinalizedCreditExhausted',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_GameOpen',
  },
  {
    type: 'error',
    inputs: [
      { name: 'available', internalType: 'uint256', type: 'uint256' },
      { name: 'required', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'AttributionLedger_InsufficientBond',
  },
  {
    type: 'error',
    inputs: [{ name: 'account', internalType: 'address', type: 'address' }],
    name: 'AttributionLedger_InvalidProof',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_NoOpenGame',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_NotPending',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_NotRefundable',
  },
  {
    type: 'error',
    inputs: [{ name: 'account', internalType: 'address', type: 'address' }],
    name: 'AttributionLedger_NothingToWithdraw',
  },
  {
    type: 'error',
    inputs: [{ name: 'caller', internalType: 'address', type: 'address' }],
    name: 'AttributionLedger_OnlyDisputeGame',
  },
  {
    type: 'error',
    inputs: [
      { name: 'parentId', internalType: 'uint256', type: 'uint256' },
      { name: 'childId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'AttributionLedger_ParentHasLiveChild',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_ParentNotFinal',
  },
  {
    type: 'error',
    inputs: [{ name: 'parentId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_ParentNotLive',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_ParentNotVoid',
  },
  { type: 'error', inputs: [], name: 'AttributionLedger_StateMismatch' },
  {
    type: 'error',
    inputs: [{ name: 'readyAt', internalType: 'uint64', type: 'uint64' }],
    name: 'AttributionLedger_UnbondNotReady',
  },
  {
    type: 'error',
    inputs: [
      { name: 'available', internalType: 'uint256', type: 'uint256' },
      { name: 'amount', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'AttributionLedger_UnbondTooLarge',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'AttributionLedger_WindowClosed',
  },
  {
    type: 'error',
    inputs: [
      { name: 'claimId', internalType: 'uint256', type: 'uint256' },
      { name: 'closesAt', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'AttributionLedger_WindowOpen',
  },
  { type: 'error', inputs: [], name: 'AttributionLedger_ZeroAmount' },
  { type: 'error', inputs: [], name: 'ReentrancyGuardReentrantCall' },
  {
    type: 'error',
    inputs: [{ name: 'token', internalType: 'address', type: 'address' }],
    name: 'SafeERC20FailedOperation',
  },
  {
    type: 'error',
    inputs: [{ name: 'debitIndex', internalType: 'uint256', type: 'uint256' }],
    name: 'TxCodec_BadDebitAmount',
  },
  {
    type: 'error',
    inputs: [{ name: 'txIndex', internalType: 'uint256', type: 'uint256' }],
    name: 'TxCodec_MalformedBatch',
  },
] as const

//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// DatanetRegistry
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const datanetRegistryAbi = [
  {
    type: 'function',
    inputs: [
      { name: '_contributionId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'approveContribution',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_datanetId', internalType: 'uint256', type: 'uint256' },
      { name: '_contentRoot', internalType: 'bytes32', type: 'bytes32' },
      { name: '_byteLength', internalType: 'uint64', type: 'uint64' },
      { name: '_metadataURI', internalType: 'string', type: 'string' },
    ],
    name: 'contribute',
    outputs: [
      { name: 'contributionId_', internalType: 'uint256', type: 'uint256' },
    ],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'contributionCount',
    outputs: [{ name: 'count_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_contributionId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'contributionForAttribution',
    outputs: [
      { name: 'contributor_', internalType: 'address', type: 'address' },
      { name: 'datanetId_', internalType: 'uint256', type: 'uint256' },
      { name: 'approvedAt_', internalType: 'uint64', type: 'uint64' },
      { name: 'withdrawnAt_', internalType: 'uint64', type: 'uint64' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_metadataURI', internalType: 'string', type: 'string' }],
    name: 'createDatanet',
    outputs: [{ name: 'datanetId_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'datanetCount',
    outputs: [{ name: 'count_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_datanetId', internalType: 'uint256', type: 'uint256' }],
    name: 'datanetExists',
    outputs: [{ name: 'exists_', internalType: 'bool', type: 'bool' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_contributionId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'getContribution',
    outputs: [
      {
        name: 'contribution_',
        internalType: 'struct IDatanetRegistry.Contribution',
        type: 'tuple',
        components: [
          { name: 'contributor', internalType: 'address', type: 'address' },
          { name: 'byteLength', internalType: 'uint64', type: 'uint64' },
          {
            name: 'status',
            internalType: 'enum IDatanetRegistry.Status',
            type: 'uint8',
          },
          { name: 'submittedAt', internalType: 'uint64', type: 'uint64' },
          { name: 'approvedAt', internalType: 'uint64', type: 'uint64' },
          { name: 'rejectedAt', internalType: 'uint64', type: 'uint64' },
          { name: 'withdrawnAt', internalType: 'uint64', type: 'uint64' },
          { name: 'datanetId', internalType: 'uint256', type: 'uint256' },
          { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'metadataURI', internalType: 'string', type: 'string' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_datanetId', internalType: 'uint256', type: 'uint256' }],
    name: 'getDatanet',
    outputs: [
      {
        name: 'datanet_',
        internalType: 'struct IDatanetRegistry.Datanet',
        type: 'tuple',
        components: [
          { name: 'owner', internalType: 'address', type: 'address' },
          { name: 'createdAt', internalType: 'uint64', type: 'uint64' },
          { name: 'contributionCount', internalType: 'uint32', type: 'uint32' },
          { name: 'curator', internalType: 'address', type: 'address' },
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'approvedCount', internalType: 'uint32', type: 'uint32' },
          { name: 'metadataURI', internalType: 'string', type: 'string' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_contributionId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'rejectContribution',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_datanetId', internalType: 'uint256', type: 'uint256' },
      { name: '_newCurator', internalType: 'address', type: 'address' },
    ],
    name: 'setCurator',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_datanetId', internalType: 'uint256', type: 'uint256' },
      { name: '_newOwner', internalType: 'address', type: 'address' },
    ],
    name: 'transferDatanetOwnership',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_contributionId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'withdrawContribution',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'contributionId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'contributor',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'contentRoot',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'byteLength',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
      {
        name: 'metadataURI',
        internalType: 'string',
        type: 'string',
        indexed: false,
      },
    ],
    name: 'ContributionAdded',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'contributionId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'curator',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'version',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'ContributionApproved',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'contributionId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'curator',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
    ],
    name: 'ContributionRejected',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'contributionId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'contributor',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'version',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'ContributionWithdrawn',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'previousCurator',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'newCurator',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
    ],
    name: 'CuratorChanged',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'owner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'metadataURI',
        internalType: 'string',
        type: 'string',
        indexed: false,
      },
    ],
    name: 'DatanetCreated',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'datanetId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'previousOwner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'newOwner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
    ],
    name: 'DatanetOwnershipTransferred',
  },
  {
    type: 'error',
    inputs: [
      { name: 'contributionId', internalType: 'uint256', type: 'uint256' },
      {
        name: 'status',
        internalType: 'enum IDatanetRegistry.Status',
        type: 'uint8',
      },
    ],
    name: 'DatanetRegistry_NotApproved',
  },
  {
    type: 'error',
    inputs: [
      { name: 'contributionId', internalType: 'uint256', type: 'uint256' },
      { name: 'caller', internalType: 'address', type: 'address' },
    ],
    name: 'DatanetRegistry_NotContributor',
  },
  {
    type: 'error',
    inputs: [
      { name: 'datanetId', internalType: 'uint256', type: 'uint256' },
      { name: 'caller', internalType: 'address', type: 'address' },
    ],
    name: 'DatanetRegistry_NotCurator',
  },
  {
    type: 'error',
    inputs: [
      { name: 'datanetId', internalType: 'uint256', type: 'uint256' },
      { name: 'caller', internalType: 'address', type: 'address' },
    ],
    name: 'DatanetRegistry_NotOwner',
  },
  {
    type: 'error',
    inputs: [
      { name: 'contributionId', internalType: 'uint256', type: 'uint256' },
      {
        name: 'status',
        internalType: 'enum IDatanetRegistry.Status',
        type: 'uint8',
      },
    ],
    name: 'DatanetRegistry_NotPending',
  },
  {
    type: 'error',
    inputs: [
      { name: 'contributionId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'DatanetRegistry_UnknownContribution',
  },
  {
    type: 'error',
    inputs: [{ name: 'datanetId', internalType: 'uint256', type: 'uint256' }],
    name: 'DatanetRegistry_UnknownDatanet',
  },
  { type: 'error', inputs: [], name: 'DatanetRegistry_ZeroAddress' },
  { type: 'error', inputs: [], name: 'DatanetRegistry_ZeroContentRoot' },
  { type: 'error', inputs: [], name: 'DatanetRegistry_ZeroLength' },
] as const

//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// DisputeGame
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const disputeGameAbi = [
  {
    type: 'constructor',
    inputs: [
      { name: '_token', internalType: 'contract IERC20', type: 'address' },
      {
        name: '_ledger',
        internalType: 'contract IAttributionLedger',
        type: 'address',
      },
      {
        name: '_verifier',
        internalType: 'contract IOneStepVerifier',
        type: 'address',
      },
      { name: '_maxClockDuration', internalType: 'uint64', type: 'uint64' },
      { name: '_clockExtension', internalType: 'uint64', type: 'uint64' },
      { name: '_challengeBond', internalType: 'uint96', type: 'uint96' },
      { name: '_burnBps', internalType: 'uint16', type: 'uint16' },
    ],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'BURN_ADDRESS',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'BURN_BPS',
    outputs: [{ name: '', internalType: 'uint16', type: 'uint16' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'CHALLENGE_BOND',
    outputs: [{ name: '', internalType: 'uint96', type: 'uint96' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'CLOCK_EXTENSION',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'LEDGER',
    outputs: [
      {
        name: '',
        internalType: 'contract IAttributionLedger',
        type: 'address',
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MAX_CLOCK_DURATION',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'TOKEN',
    outputs: [{ name: '', internalType: 'contract IERC20', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'VERIFIER',
    outputs: [
      { name: '', internalType: 'contract IOneStepVerifier', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_gameId', internalType: 'uint256', type: 'uint256' },
      { name: '_position', internalType: 'Position', type: 'uint128' },
      { name: '_midCommitment', internalType: 'bytes32', type: 'bytes32' },
    ],
    name: 'bisect',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_challengeId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'challenge',
    outputs: [
      {
        name: 'challenge_',
        internalType: 'struct IDisputeGame.Challenge',
        type: 'tuple',
        components: [
          { name: 'challenger', internalType: 'address', type: 'address' },
          { name: 'claimId', internalType: 'uint64', type: 'uint64' },
          {
            name: 'status',
            internalType: 'enum ChallengeStatus',
            type: 'uint8',
          },
          { name: 'bond', internalType: 'uint96', type: 'uint96' },
          { name: 'openedAt', internalType: 'uint64', type: 'uint64' },
          { name: 'defenses', internalType: 'uint32', type: 'uint32' },
          { name: 'lost', internalType: 'uint32', type: 'uint32' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_recipient', internalType: 'address', type: 'address' }],
    name: 'claimCredit',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '', internalType: 'address', type: 'address' }],
    name: 'credit',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_challengeId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'defend',
    outputs: [{ name: 'gameId_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_challengeId', internalType: 'uint256', type: 'uint256' },
      { name: '_k', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'defenseGame',
    outputs: [{ name: 'gameId_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'defenseWindow',
    outputs: [{ name: 'window_', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_gameId', internalType: 'uint256', type: 'uint256' },
      { name: '_side', internalType: 'enum Side', type: 'uint8' },
    ],
    name: 'elapsed',
    outputs: [{ name: 'elapsed_', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_gameId', internalType: 'uint256', type: 'uint256' }],
    name: 'game',
    outputs: [
      {
        name: 'game_',
        internalType: 'struct IDisputeGame.Game',
        type: 'tuple',
        components: [
          { name: 'challenger', internalType: 'address', type: 'address' },
          { name: 'claimId', internalType: 'uint64', type: 'uint64' },
          { name: 'status', internalType: 'enum GameStatus', type: 'uint8' },
          { name: 'turn', internalType: 'enum Side', type: 'uint8' },
          { name: 'claimant', internalType: 'address', type: 'address' },
          { name: 'bond', internalType: 'uint96', type: 'uint96' },
          { name: 'position', internalType: 'Position', type: 'uint128' },
          { name: 'claimantClock', internalType: 'Clock', type: 'uint128' },
          { name: 'challengerClock', internalType: 'Clock', type: 'uint128' },
          { name: 'loCommitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'hiCommitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'midCommitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'challengeId', internalType: 'uint64', type: 'uint64' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'gameCount',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'open',
    outputs: [{ name: 'gameId_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_gameId', internalType: 'uint256', type: 'uint256' }],
    name: 'resolve',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_challengeId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'resolveChallenge',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_gameId', internalType: 'uint256', type: 'uint256' },
      { name: '_position', internalType: 'Position', type: 'uint128' },
      { name: '_midCommitment', internalType: 'bytes32', type: 'bytes32' },
      { name: '_agree', internalType: 'bool', type: 'bool' },
    ],
    name: 'respond',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'slashShare',
    outputs: [{ name: 'perShare_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_gameId', internalType: 'uint256', type: 'uint256' },
      { name: '_position', internalType: 'Position', type: 'uint128' },
      {
        name: '_proof',
        internalType: 'struct StepProof',
        type: 'tuple',
        components: [
          {
            name: 'pre',
            internalType: 'struct State',
            type: 'tuple',
            components: [
              {
                name: 'accountsRoot',
                internalType: 'bytes32',
                type: 'bytes32',
              },
              {
                name: 'totalCredited',
                internalType: 'uint256',
                type: 'uint256',
              },
              {
                name: 'totalCharged',
                internalType: 'uint256',
                type: 'uint256',
              },
              { name: 'txCount', internalType: 'uint256', type: 'uint256' },
            ],
          },
          { name: 'txBytes', internalType: 'bytes', type: 'bytes' },
          { name: 'txProof', internalType: 'bytes32[]', type: 'bytes32[]' },
          { name: 'witnesses', internalType: 'bytes', type: 'bytes' },
        ],
      },
    ],
    name: 'step',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalBonded',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalCredit',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalPooled',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'gameId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'position',
        internalType: 'Position',
        type: 'uint128',
        indexed: false,
      },
      {
        name: 'midCommitment',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
    ],
    name: 'Bisected',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'challengeId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'status',
        internalType: 'enum ChallengeStatus',
        type: 'uint8',
        indexed: false,
      },
      {
        name: 'payee',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'paid',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'burned',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'ChallengeResolved',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'recipient',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'CreditClaimed',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'gameId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'challengeId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'defender',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'bond',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'DefenseOpened',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'gameId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'challenger',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'bond',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'position',
        internalType: 'Position',
        type: 'uint128',
        indexed: false,
      },
    ],
    name: 'GameOpened',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'gameId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'status',
        internalType: 'enum GameStatus',
        type: 'uint8',
        indexed: false,
      },
      {
        name: 'winner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'paid',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'burned',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'GameResolved',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'gameId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      { name: 'agree', internalType: 'bool', type: 'bool', indexed: false },
      {
        name: 'position',
        internalType: 'Position',
        type: 'uint128',
        indexed: false,
      },
    ],
    name: 'Responded',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'claimId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'pool',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'shares',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'perShare',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'dust',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'SlashShared',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'gameId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'index',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'postCommitment',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'claimantRight',
        internalType: 'bool',
        type: 'bool',
        indexed: false,
      },
    ],
    name: 'Stepped',
  },
  { type: 'error', inputs: [], name: 'DisputeGame_BadParameters' },
  {
    type: 'error',
    inputs: [{ name: 'challengeId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_ChallengeNotSettleable',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_ClaimNotPending',
  },
  {
    type: 'error',
    inputs: [{ name: 'challengeId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_DefenseClosed',
  },
  {
    type: 'error',
    inputs: [{ name: 'claimId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_EmptyClaim',
  },
  {
    type: 'error',
    inputs: [{ name: 'recipient', internalType: 'address', type: 'address' }],
    name: 'DisputeGame_NoCredit',
  },
  {
    type: 'error',
    inputs: [{ name: 'gameId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_NotInProgress',
  },
  {
    type: 'error',
    inputs: [{ name: 'caller', internalType: 'address', type: 'address' }],
    name: 'DisputeGame_NotPlayer',
  },
  {
    type: 'error',
    inputs: [{ name: 'gameId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_NotResolvable',
  },
  {
    type: 'error',
    inputs: [{ name: 'gameId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_OutOfTime',
  },
  {
    type: 'error',
    inputs: [
      { name: 'expected', internalType: 'bytes32', type: 'bytes32' },
      { name: 'given', internalType: 'bytes32', type: 'bytes32' },
    ],
    name: 'DisputeGame_WrongCommitment',
  },
  {
    type: 'error',
    inputs: [{ name: 'gameId', internalType: 'uint256', type: 'uint256' }],
    name: 'DisputeGame_WrongMove',
  },
  {
    type: 'error',
    inputs: [
      { name: 'expected', internalType: 'Position', type: 'uint128' },
      { name: 'given', internalType: 'Position', type: 'uint128' },
    ],
    name: 'DisputeGame_WrongPosition',
  },
  {
    type: 'error',
    inputs: [{ name: 'token', internalType: 'address', type: 'address' }],
    name: 'SafeERC20FailedOperation',
  },
] as const

//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// IndexDisputes
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const indexDisputesAbi = [
  {
    type: 'constructor',
    inputs: [
      {
        name: '_models',
        internalType: 'contract IModelRegistry',
        type: 'address',
      },
      {
        name: '_datanets',
        internalType: 'contract IDatanetRegistry',
        type: 'address',
      },
    ],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'DATANETS',
    outputs: [
      { name: '', internalType: 'contract IDatanetRegistry', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MODELS',
    outputs: [
      { name: '', internalType: 'contract IModelRegistry', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
      {
        name: '_e',
        internalType: 'struct EntryProof',
        type: 'tuple',
        components: [
          {
            name: 'entry',
            internalType: 'struct CorpusEntry',
            type: 'tuple',
            components: [
              { name: 'index', internalType: 'uint64', type: 'uint64' },
              {
                name: 'contributionId',
                internalType: 'uint64',
                type: 'uint64',
              },
              { name: 'start', internalType: 'uint64', type: 'uint64' },
              { name: 'length', internalType: 'uint64', type: 'uint64' },
              { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
            ],
          },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
    ],
    name: 'proveEdge',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
      {
        name: '_e',
        internalType: 'struct EntryProof',
        type: 'tuple',
        components: [
          {
            name: 'entry',
            internalType: 'struct CorpusEntry',
            type: 'tuple',
            components: [
              { name: 'index', internalType: 'uint64', type: 'uint64' },
              {
                name: 'contributionId',
                internalType: 'uint64',
                type: 'uint64',
              },
              { name: 'start', internalType: 'uint64', type: 'uint64' },
              { name: 'length', internalType: 'uint64', type: 'uint64' },
              { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
            ],
          },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
    ],
    name: 'proveEntryNotAttributable',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
      {
        name: '_a',
        internalType: 'struct EntryProof',
        type: 'tuple',
        components: [
          {
            name: 'entry',
            internalType: 'struct CorpusEntry',
            type: 'tuple',
            components: [
              { name: 'index', internalType: 'uint64', type: 'uint64' },
              {
                name: 'contributionId',
                internalType: 'uint64',
                type: 'uint64',
              },
              { name: 'start', internalType: 'uint64', type: 'uint64' },
              { name: 'length', internalType: 'uint64', type: 'uint64' },
              { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
            ],
          },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
      {
        name: '_b',
        internalType: 'struct EntryProof',
        type: 'tuple',
        components: [
          {
            name: 'entry',
            internalType: 'struct CorpusEntry',
            type: 'tuple',
            components: [
              { name: 'index', internalType: 'uint64', type: 'uint64' },
              {
                name: 'contributionId',
                internalType: 'uint64',
                type: 'uint64',
              },
              { name: 'start', internalType: 'uint64', type: 'uint64' },
              { name: 'length', internalType: 'uint64', type: 'uint64' },
              { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
            ],
          },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
    ],
    name: 'proveLayout',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
      { name: '_contributionId', internalType: 'uint64', type: 'uint64' },
      { name: '_hasBefore', internalType: 'bool', type: 'bool' },
      {
        name: '_before',
        internalType: 'struct EntryProof',
        type: 'tuple',
        components: [
          {
            name: 'entry',
            internalType: 'struct CorpusEntry',
            type: 'tuple',
            components: [
              { name: 'index', internalType: 'uint64', type: 'uint64' },
              {
                name: 'contributionId',
                internalType: 'uint64',
                type: 'uint64',
              },
              { name: 'start', internalType: 'uint64', type: 'uint64' },
              { name: 'length', internalType: 'uint64', type: 'uint64' },
              { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
            ],
          },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
      { name: '_hasAfter', internalType: 'bool', type: 'bool' },
      {
        name: '_after',
        internalType: 'struct EntryProof',
        type: 'tuple',
        components: [
          {
            name: 'entry',
            internalType: 'struct CorpusEntry',
            type: 'tuple',
            components: [
              { name: 'index', internalType: 'uint64', type: 'uint64' },
              {
                name: 'contributionId',
                internalType: 'uint64',
                type: 'uint64',
              },
              { name: 'start', internalType: 'uint64', type: 'uint64' },
              { name: 'length', internalType: 'uint64', type: 'uint64' },
              { name: 'contentRoot', internalType: 'bytes32', type: 'bytes32' },
            ],
          },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
    ],
    name: 'proveMissingContribution',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
    ],
    name: 'proveParameters',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
      {
        name: '_sa',
        internalType: 'struct SaLeaf',
        type: 'tuple',
        components: [
          { name: 'rank', internalType: 'uint64', type: 'uint64' },
          { name: 'position', internalType: 'uint64', type: 'uint64' },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
      { name: '_isaRank', internalType: 'uint64', type: 'uint64' },
      { name: '_isaProof', internalType: 'bytes32[]', type: 'bytes32[]' },
    ],
    name: 'provePermutation',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
    ],
    name: 'proveSnapshotAfterEpoch',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      {
        name: '_c',
        internalType: 'struct IndexCommitment',
        type: 'tuple',
        components: [
          { name: 'version', internalType: 'uint64', type: 'uint64' },
          { name: 'snapshotTime', internalType: 'uint64', type: 'uint64' },
          { name: 'entryCount', internalType: 'uint64', type: 'uint64' },
          { name: 'totalBytes', internalType: 'uint64', type: 'uint64' },
          { name: 'corpusRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'saRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'isaRoot', internalType: 'bytes32', type: 'bytes32' },
          { name: 'minMatch', internalType: 'uint32', type: 'uint32' },
          { name: 'maxOccurrences', internalType: 'uint32', type: 'uint32' },
          { name: 'maxEntries', internalType: 'uint32', type: 'uint32' },
        ],
      },
      {
        name: '_first',
        internalType: 'struct SuffixOpening',
        type: 'tuple',
        components: [
          {
            name: 'sa',
            internalType: 'struct SaLeaf',
            type: 'tuple',
            components: [
              { name: 'rank', internalType: 'uint64', type: 'uint64' },
              { name: 'position', internalType: 'uint64', type: 'uint64' },
              { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
            ],
          },
          {
            name: 'entry',
            internalType: 'struct EntryProof',
            type: 'tuple',
            components: [
              {
                name: 'entry',
                internalType: 'struct CorpusEntry',
                type: 'tuple',
                components: [
                  { name: 'index', internalType: 'uint64', type: 'uint64' },
                  {
                    name: 'contributionId',
                    internalType: 'uint64',
                    type: 'uint64',
                  },
                  { name: 'start', internalType: 'uint64', type: 'uint64' },
                  { name: 'length', internalType: 'uint64', type: 'uint64' },
                  {
                    name: 'contentRoot',
                    internalType: 'bytes32',
                    type: 'bytes32',
                  },
                ],
              },
              { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
            ],
          },
          {
            name: 'run',
            internalType: 'struct ChunkRun',
            type: 'tuple',
            components: [
              { name: 'first', internalType: 'uint64', type: 'uint64' },
              { name: 'chunks', internalType: 'bytes[]', type: 'bytes[]' },
              {
                name: 'proofs',
                internalType: 'bytes32[][]',
                type: 'bytes32[][]',
              },
            ],
          },
        ],
      },
      {
        name: '_second',
        internalType: 'struct SuffixOpening',
        type: 'tuple',
        components: [
          {
            name: 'sa',
            internalType: 'struct SaLeaf',
            type: 'tuple',
            components: [
              { name: 'rank', internalType: 'uint64', type: 'uint64' },
              { name: 'position', internalType: 'uint64', type: 'uint64' },
              { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
            ],
          },
          {
            name: 'entry',
            internalType: 'struct EntryProof',
            type: 'tuple',
            components: [
              {
                name: 'entry',
                internalType: 'struct CorpusEntry',
                type: 'tuple',
                components: [
                  { name: 'index', internalType: 'uint64', type: 'uint64' },
                  {
                    name: 'contributionId',
                    internalType: 'uint64',
                    type: 'uint64',
                  },
                  { name: 'start', internalType: 'uint64', type: 'uint64' },
                  { name: 'length', internalType: 'uint64', type: 'uint64' },
                  {
                    name: 'contentRoot',
                    internalType: 'bytes32',
                    type: 'bytes32',
                  },
                ],
              },
              { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
            ],
          },
          {
            name: 'run',
            internalType: 'struct ChunkRun',
            type: 'tuple',
            components: [
              { name: 'first', internalType: 'uint64', type: 'uint64' },
              { name: 'chunks', internalType: 'bytes[]', type: 'bytes[]' },
              {
                name: 'proofs',
                internalType: 'bytes32[][]',
                type: 'bytes32[][]',
              },
            ],
          },
        ],
      },
      {
        name: '_next1',
        internalType: 'struct IsaProof',
        type: 'tuple',
        components: [
          { name: 'rank', internalType: 'uint64', type: 'uint64' },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
      {
        name: '_next2',
        internalType: 'struct IsaProof',
        type: 'tuple',
        components: [
          { name: 'rank', internalType: 'uint64', type: 'uint64' },
          { name: 'proof', internalType: 'bytes32[]', type: 'bytes32[]' },
        ],
      },
    ],
    name: 'proveUnsorted',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'epoch',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'prover',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'violation',
        internalType: 'enum IIndexDisputes.Violation',
        type: 'uint8',
        indexed: false,
      },
    ],
    name: 'BogusIndexProved',
  },
  {
    type: 'error',
    inputs: [
      { name: 'expected', internalType: 'bytes32', type: 'bytes32' },
      { name: 'got', internalType: 'bytes32', type: 'bytes32' },
    ],
    name: 'IndexDisputes_CommitmentMismatch',
  },
  { type: 'error', inputs: [], name: 'IndexDisputes_NoViolation' },
  {
    type: 'error',
    inputs: [{ name: 'modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'IndexDisputes_NotSuffixModel',
  },
  { type: 'error', inputs: [], name: 'SuffixChecks_NoViolation' },
  {
    type: 'error',
    inputs: [
      { name: 'expected', internalType: 'uint256', type: 'uint256' },
      { name: 'got', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'SuffixChecks_WrongRank',
  },
  {
    type: 'error',
    inputs: [{ name: 'chunkIndex', internalType: 'uint256', type: 'uint256' }],
    name: 'SuffixIndex_BadChunk',
  },
  {
    type: 'error',
    inputs: [{ name: 'index', internalType: 'uint256', type: 'uint256' }],
    name: 'SuffixIndex_BadEntry',
  },
  {
    type: 'error',
    inputs: [{ name: 'position', internalType: 'uint256', type: 'uint256' }],
    name: 'SuffixIndex_BadIsaLeaf',
  },
  {
    type: 'error',
    inputs: [{ name: 'rank', internalType: 'uint256', type: 'uint256' }],
    name: 'SuffixIndex_BadSaLeaf',
  },
  {
    type: 'error',
    inputs: [
      { name: 'firstChunk', internalType: 'uint256', type: 'uint256' },
      { name: 'offset', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'SuffixIndex_ChunksAfterSuffix',
  },
  {
    type: 'error',
    inputs: [
      { name: 'position', internalType: 'uint256', type: 'uint256' },
      { name: 'index', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'SuffixIndex_PositionOutsideEntry',
  },
  {
    type: 'error',
    inputs: [
      { name: 'position', internalType: 'uint256', type: 'uint256' },
      { name: 'needed', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'SuffixIndex_ShortOpening',
  },
] as const

//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// ModelRegistry
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const modelRegistryAbi = [
  {
    type: 'constructor',
    inputs: [
      {
        name: '_openToken',
        internalType: 'contract IOpenToken',
        type: 'address',
      },
      {
        name: '_datanetRegistry',
        internalType: 'contract IDatanetRegistry',
        type: 'address',
      },
      { name: '_minStake', internalType: 'uint256', type: 'uint256' },
      { name: '_unstakeDelay', internalType: 'uint64', type: 'uint64' },
    ],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'BPS',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'BURN_ADDRESS',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'DATANET_REGISTRY',
    outputs: [
      { name: '', internalType: 'contract IDatanetRegistry', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'INDEX_DISPUTES',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MAX_DATANETS',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MIN_STAKE',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'OPEN_TOKEN',
    outputs: [
      { name: '', internalType: 'contract IOpenToken', type: 'address' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'UNSTAKE_DELAY',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'getModel',
    outputs: [
      {
        name: 'model_',
        internalType: 'struct IModelRegistry.Model',
        type: 'tuple',
        components: [
          { name: 'owner', internalType: 'address', type: 'address' },
          { name: 'registeredAt', internalType: 'uint64', type: 'uint64' },
          {
            name: 'method',
            internalType: 'enum IModelRegistry.AttributionMethod',
            type: 'uint8',
          },
          { name: 'retiredAt', internalType: 'uint64', type: 'uint64' },
          {
            name: 'unstakeAvailableAt',
            internalType: 'uint64',
            type: 'uint64',
          },
          {
            name: 'split',
            internalType: 'struct FeeSplit',
            type: 'tuple',
            components: [
              { name: 'operatorBps', internalType: 'uint16', type: 'uint16' },
              { name: 'ownerBps', internalType: 'uint16', type: 'uint16' },
              { name: 'dataBps', internalType: 'uint16', type: 'uint16' },
              { name: 'attributorBps', internalType: 'uint16', type: 'uint16' },
              { name: 'protocolBps', internalType: 'uint16', type: 'uint16' },
            ],
          },
          { name: 'baseModelHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'adapterHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'parentModelId', internalType: 'uint256', type: 'uint256' },
          {
            name: 'attributionIndexCommitment',
            internalType: 'bytes32',
            type: 'bytes32',
          },
          { name: 'price', internalType: 'uint256', type: 'uint256' },
          { name: 'stake', internalType: 'uint256', type: 'uint256' },
          { name: 'pendingUnstake', internalType: 'uint256', type: 'uint256' },
          { name: 'datanetIds', internalType: 'uint256[]', type: 'uint256[]' },
          { name: 'metadataURI', internalType: 'string', type: 'string' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'indexEpoch',
    outputs: [
      {
        name: 'epoch_',
        internalType: 'struct IModelRegistry.IndexEpoch',
        type: 'tuple',
        components: [
          { name: 'commitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'activeFrom', internalType: 'uint64', type: 'uint64' },
          { name: 'bogus', internalType: 'bool', type: 'bool' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      { name: '_time', internalType: 'uint64', type: 'uint64' },
    ],
    name: 'indexEpochAt',
    outputs: [
      {
        name: 'epoch_',
        internalType: 'struct IModelRegistry.IndexEpoch',
        type: 'tuple',
        components: [
          { name: 'commitment', internalType: 'bytes32', type: 'bytes32' },
          { name: 'activeFrom', internalType: 'uint64', type: 'uint64' },
          { name: 'bogus', internalType: 'bool', type: 'bool' },
        ],
      },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'indexEpochCount',
    outputs: [{ name: 'count_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'isLive',
    outputs: [{ name: 'live_', internalType: 'bool', type: 'bool' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'modelCount',
    outputs: [{ name: 'count_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'modelDatanets',
    outputs: [
      { name: 'datanetIds_', internalType: 'uint256[]', type: 'uint256[]' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'modelForAttribution',
    outputs: [
      { name: 'owner_', internalType: 'address', type: 'address' },
      {
        name: 'split_',
        internalType: 'struct FeeSplit',
        type: 'tuple',
        components: [
          { name: 'operatorBps', internalType: 'uint16', type: 'uint16' },
          { name: 'ownerBps', internalType: 'uint16', type: 'uint16' },
          { name: 'dataBps', internalType: 'uint16', type: 'uint16' },
          { name: 'attributorBps', internalType: 'uint16', type: 'uint16' },
          { name: 'protocolBps', internalType: 'uint16', type: 'uint16' },
        ],
      },
      { name: 'registeredAt_', internalType: 'uint64', type: 'uint64' },
      { name: 'retiredAt_', internalType: 'uint64', type: 'uint64' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_datanetId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'modelUsesDatanet',
    outputs: [{ name: 'uses_', internalType: 'bool', type: 'bool' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      {
        name: '_params',
        internalType: 'struct IModelRegistry.ModelParams',
        type: 'tuple',
        components: [
          { name: 'baseModelHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'adapterHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'parentModelId', internalType: 'uint256', type: 'uint256' },
          { name: 'datanetIds', internalType: 'uint256[]', type: 'uint256[]' },
          {
            name: 'method',
            internalType: 'enum IModelRegistry.AttributionMethod',
            type: 'uint8',
          },
          {
            name: 'attributionIndexCommitment',
            internalType: 'bytes32',
            type: 'bytes32',
          },
          {
            name: 'split',
            internalType: 'struct FeeSplit',
            type: 'tuple',
            components: [
              { name: 'operatorBps', internalType: 'uint16', type: 'uint16' },
              { name: 'ownerBps', internalType: 'uint16', type: 'uint16' },
              { name: 'dataBps', internalType: 'uint16', type: 'uint16' },
              { name: 'attributorBps', internalType: 'uint16', type: 'uint16' },
              { name: 'protocolBps', internalType: 'uint16', type: 'uint16' },
            ],
          },
          { name: 'price', internalType: 'uint256', type: 'uint256' },
          { name: 'metadataURI', internalType: 'string', type: 'string' },
        ],
      },
    ],
    name: 'registerModel',
    outputs: [{ name: 'modelId_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_amount', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'requestUnstake',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'retire',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_epoch', internalType: 'uint256', type: 'uint256' },
      { name: '_prover', internalType: 'address', type: 'address' },
    ],
    name: 'slashBogusIndex',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_amount', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'stake',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_amount', internalType: 'uint256', type: 'uint256' },
      { name: '_deadline', internalType: 'uint256', type: 'uint256' },
      { name: '_v', internalType: 'uint8', type: 'uint8' },
      { name: '_r', internalType: 'bytes32', type: 'bytes32' },
      { name: '_s', internalType: 'bytes32', type: 'bytes32' },
    ],
    name: 'stakeWithPermit',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalStaked',
    outputs: [{ name: 'total_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_commitment', internalType: 'bytes32', type: 'bytes32' },
    ],
    name: 'updateIndexCommitment',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_modelId', internalType: 'uint256', type: 'uint256' },
      { name: '_price', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'updatePrice',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'withdrawStake',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'oldCommitment',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'newCommitment',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
    ],
    name: 'IndexCommitmentUpdated',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'epoch',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'commitment',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: false,
      },
      {
        name: 'activeFrom',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'IndexEpochStarted',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'epoch',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'prover',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'paid',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'burned',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'IndexSlashed',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'owner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'baseModelHash',
        internalType: 'bytes32',
        type: 'bytes32',
        indexed: true,
      },
      {
        name: 'params',
        internalType: 'struct IModelRegistry.ModelParams',
        type: 'tuple',
        components: [
          { name: 'baseModelHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'adapterHash', internalType: 'bytes32', type: 'bytes32' },
          { name: 'parentModelId', internalType: 'uint256', type: 'uint256' },
          { name: 'datanetIds', internalType: 'uint256[]', type: 'uint256[]' },
          {
            name: 'method',
            internalType: 'enum IModelRegistry.AttributionMethod',
            type: 'uint8',
          },
          {
            name: 'attributionIndexCommitment',
            internalType: 'bytes32',
            type: 'bytes32',
          },
          {
            name: 'split',
            internalType: 'struct FeeSplit',
            type: 'tuple',
            components: [
              { name: 'operatorBps', internalType: 'uint16', type: 'uint16' },
              { name: 'ownerBps', internalType: 'uint16', type: 'uint16' },
              { name: 'dataBps', internalType: 'uint16', type: 'uint16' },
              { name: 'attributorBps', internalType: 'uint16', type: 'uint16' },
              { name: 'protocolBps', internalType: 'uint16', type: 'uint16' },
            ],
          },
          { name: 'price', internalType: 'uint256', type: 'uint256' },
          { name: 'metadataURI', internalType: 'string', type: 'string' },
        ],
        indexed: false,
      },
    ],
    name: 'ModelRegistered',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'retiredAt',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'ModelRetired',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'oldPrice',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'newPrice',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'PriceUpdated',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'owner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'StakeWithdrawn',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'owner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'stake',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Staked',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'modelId',
        internalType: 'uint256',
        type: 'uint256',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'stake',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'pendingUnstake',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'availableAt',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'UnstakeRequested',
  },
  {
    type: 'error',
    inputs: [
      { name: 'modelId', internalType: 'uint256', type: 'uint256' },
      { name: 'epoch', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ModelRegistry_AlreadyBogus',
  },
  {
    type: 'error',
    inputs: [{ name: 'sum', internalType: 'uint256', type: 'uint256' }],
    name: 'ModelRegistry_BadFeeSplit',
  },
  {
    type: 'error',
    inputs: [
      { name: 'parentModelId', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ModelRegistry_BadParent',
  },
  {
    type: 'error',
    inputs: [{ name: 'datanetId', internalType: 'uint256', type: 'uint256' }],
    name: 'ModelRegistry_DuplicateDatanet',
  },
  {
    type: 'error',
    inputs: [
      { name: 'stake', internalType: 'uint256', type: 'uint256' },
      { name: 'minStake', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ModelRegistry_InsufficientStake',
  },
  { type: 'error', inputs: [], name: 'ModelRegistry_NoDatanets' },
  {
    type: 'error',
    inputs: [
      { name: 'modelId', internalType: 'uint256', type: 'uint256' },
      { name: 'epoch', internalType: 'uint256', type: 'uint256' },
      { name: 'time', internalType: 'uint64', type: 'uint64' },
    ],
    name: 'ModelRegistry_NotEpochInForce',
  },
  {
    type: 'error',
    inputs: [
      { name: 'modelId', internalType: 'uint256', type: 'uint256' },
      { name: 'caller', internalType: 'address', type: 'address' },
    ],
    name: 'ModelRegistry_NotOwner',
  },
  {
    type: 'error',
    inputs: [{ name: 'modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'ModelRegistry_NothingToWithdraw',
  },
  {
    type: 'error',
    inputs: [{ name: 'caller', internalType: 'address', type: 'address' }],
    name: 'ModelRegistry_OnlyIndexDisputes',
  },
  {
    type: 'error',
    inputs: [{ name: 'modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'ModelRegistry_Retired',
  },
  {
    type: 'error',
    inputs: [
      { name: 'count', internalType: 'uint256', type: 'uint256' },
      { name: 'max', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ModelRegistry_TooManyDatanets',
  },
  {
    type: 'error',
    inputs: [{ name: 'datanetId', internalType: 'uint256', type: 'uint256' }],
    name: 'ModelRegistry_UnknownDatanet',
  },
  {
    type: 'error',
    inputs: [{ name: 'modelId', internalType: 'uint256', type: 'uint256' }],
    name: 'ModelRegistry_UnknownModel',
  },
  {
    type: 'error',
    inputs: [
      { name: 'amount', internalType: 'uint256', type: 'uint256' },
      { name: 'stake', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ModelRegistry_UnstakeExceedsStake',
  },
  {
    type: 'error',
    inputs: [
      { name: 'modelId', internalType: 'uint256', type: 'uint256' },
      { name: 'availableAt', internalType: 'uint64', type: 'uint64' },
    ],
    name: 'ModelRegistry_UnstakeNotReady',
  },
  { type: 'error', inputs: [], name: 'ModelRegistry_ZeroAddress' },
  { type: 'error', inputs: [], name: 'ModelRegistry_ZeroAmount' },
  { type: 'error', inputs: [], name: 'ModelRegistry_ZeroBaseModelHash' },
  {
    type: 'error',
    inputs: [{ name: 'token', internalType: 'address', type: 'address' }],
    name: 'SafeERC20FailedOperation',
  },
] as const

//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// OpenToken
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const openTokenAbi = [
  {
    type: 'constructor',
    inputs: [{ name: '_treasury', internalType: 'address', type: 'address' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'DOMAIN_SEPARATOR',
    outputs: [{ name: '', internalType: 'bytes32', type: 'bytes32' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'MAX_SUPPLY',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: 'owner', internalType: 'address', type: 'address' },
      { name: 'spender', internalType: 'address', type: 'address' },
    ],
    name: 'allowance',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: 'spender', internalType: 'address', type: 'address' },
      { name: 'value', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'approve',
    outputs: [{ name: '', internalType: 'bool', type: 'bool' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: 'account', internalType: 'address', type: 'address' }],
    name: 'balanceOf',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'decimals',
    outputs: [{ name: '', internalType: 'uint8', type: 'uint8' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'eip712Domain',
    outputs: [
      { name: 'fields', internalType: 'bytes1', type: 'bytes1' },
      { name: 'name', internalType: 'string', type: 'string' },
      { name: 'version', internalType: 'string', type: 'string' },
      { name: 'chainId', internalType: 'uint256', type: 'uint256' },
      { name: 'verifyingContract', internalType: 'address', type: 'address' },
      { name: 'salt', internalType: 'bytes32', type: 'bytes32' },
      { name: 'extensions', internalType: 'uint256[]', type: 'uint256[]' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'name',
    outputs: [{ name: '', internalType: 'string', type: 'string' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '_owner', internalType: 'address', type: 'address' }],
    name: 'nonces',
    outputs: [{ name: 'nonce_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: 'owner', internalType: 'address', type: 'address' },
      { name: 'spender', internalType: 'address', type: 'address' },
      { name: 'value', internalType: 'uint256', type: 'uint256' },
      { name: 'deadline', internalType: 'uint256', type: 'uint256' },
      { name: 'v', internalType: 'uint8', type: 'uint8' },
      { name: 'r', internalType: 'bytes32', type: 'bytes32' },
      { name: 's', internalType: 'bytes32', type: 'bytes32' },
    ],
    name: 'permit',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'symbol',
    outputs: [{ name: '', internalType: 'string', type: 'string' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'totalSupply',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      { name: 'to', internalType: 'address', type: 'address' },
      { name: 'value', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'transfer',
    outputs: [{ name: '', internalType: 'bool', type: 'bool' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: 'from', internalType: 'address', type: 'address' },
      { name: 'to', internalType: 'address', type: 'address' },
      { name: 'value', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'transferFrom',
    outputs: [{ name: '', internalType: 'bool', type: 'bool' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'owner',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'spender',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'value',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Approval',
  },
  { type: 'event', anonymous: false, inputs: [], name: 'EIP712DomainChanged' },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      { name: 'from', internalType: 'address', type: 'address', indexed: true },
      { name: 'to', internalType: 'address', type: 'address', indexed: true },
      {
        name: 'value',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Transfer',
  },
  { type: 'error', inputs: [], name: 'ECDSAInvalidSignature' },
  {
    type: 'error',
    inputs: [{ name: 'length', internalType: 'uint256', type: 'uint256' }],
    name: 'ECDSAInvalidSignatureLength',
  },
  {
    type: 'error',
    inputs: [{ name: 's', internalType: 'bytes32', type: 'bytes32' }],
    name: 'ECDSAInvalidSignatureS',
  },
  {
    type: 'error',
    inputs: [
      { name: 'spender', internalType: 'address', type: 'address' },
      { name: 'allowance', internalType: 'uint256', type: 'uint256' },
      { name: 'needed', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ERC20InsufficientAllowance',
  },
  {
    type: 'error',
    inputs: [
      { name: 'sender', internalType: 'address', type: 'address' },
      { name: 'balance', internalType: 'uint256', type: 'uint256' },
      { name: 'needed', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'ERC20InsufficientBalance',
  },
  {
    type: 'error',
    inputs: [{ name: 'approver', internalType: 'address', type: 'address' }],
    name: 'ERC20InvalidApprover',
  },
  {
    type: 'error',
    inputs: [{ name: 'receiver', internalType: 'address', type: 'address' }],
    name: 'ERC20InvalidReceiver',
  },
  {
    type: 'error',
    inputs: [{ name: 'sender', internalType: 'address', type: 'address' }],
    name: 'ERC20InvalidSender',
  },
  {
    type: 'error',
    inputs: [{ name: 'spender', internalType: 'address', type: 'address' }],
    name: 'ERC20InvalidSpender',
  },
  {
    type: 'error',
    inputs: [{ name: 'deadline', internalType: 'uint256', type: 'uint256' }],
    name: 'ERC2612ExpiredSignature',
  },
  {
    type: 'error',
    inputs: [
      { name: 'signer', internalType: 'address', type: 'address' },
      { name: 'owner', internalType: 'address', type: 'address' },
    ],
    name: 'ERC2612InvalidSigner',
  },
  {
    type: 'error',
    inputs: [
      { name: 'account', internalType: 'address', type: 'address' },
      { name: 'currentNonce', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'InvalidAccountNonce',
  },
  { type: 'error', inputs: [], name: 'InvalidShortString' },
  { type: 'error', inputs: [], name: 'OpenToken_ZeroTreasury' },
  {
    type: 'error',
    inputs: [{ name: 'str', internalType: 'string', type: 'string' }],
    name: 'StringTooLong',
  },
] as const

//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////
// PaymentEscrow
//////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////

export const paymentEscrowAbi = [
  {
    type: 'constructor',
    inputs: [
      { name: '_token', internalType: 'contract IERC20', type: 'address' },
      { name: '_ledger', internalType: 'address', type: 'address' },
      { name: '_noticePeriod', internalType: 'uint64', type: 'uint64' },
    ],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'LEDGER',
    outputs: [{ name: '', internalType: 'address', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'NOTICE_PERIOD',
    outputs: [{ name: '', internalType: 'uint64', type: 'uint64' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [],
    name: 'TOKEN',
    outputs: [{ name: '', internalType: 'contract IERC20', type: 'address' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [{ name: '', internalType: 'address', type: 'address' }],
    name: 'balanceOf',
    outputs: [{ name: '', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'view',
  },
  {
    type: 'function',
    inputs: [
      {
        name: '_debits',
        internalType: 'struct Debit[]',
        type: 'tuple[]',
        components: [
          { name: 'payer', internalType: 'address', type: 'address' },
          { name: 'amount', internalType: 'uint256', type: 'uint256' },
        ],
      },
    ],
    name: 'debit',
    outputs: [{ name: 'total_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      { name: '_account', internalType: 'address', type: 'address' },
      { name: '_amount', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'deposit',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [
      {
        name: '_debits',
        internalType: 'struct Debit[]',
        type: 'tuple[]',
        components: [
          { name: 'payer', internalType: 'address', type: 'address' },
          { name: 'amount', internalType: 'uint256', type: 'uint256' },
        ],
      },
    ],
    name: 'refund',
    outputs: [{ name: 'total_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_amount', internalType: 'uint256', type: 'uint256' }],
    name: 'requestWithdraw',
    outputs: [],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [],
    name: 'withdraw',
    outputs: [{ name: 'amount_', internalType: 'uint256', type: 'uint256' }],
    stateMutability: 'nonpayable',
  },
  {
    type: 'function',
    inputs: [{ name: '_account', internalType: 'address', type: 'address' }],
    name: 'withdrawalRequest',
    outputs: [
      { name: 'amount_', internalType: 'uint128', type: 'uint128' },
      { name: 'readyAt_', internalType: 'uint64', type: 'uint64' },
    ],
    stateMutability: 'view',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'payer',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Debited',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      { name: 'from', internalType: 'address', type: 'address', indexed: true },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Deposited',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'payer',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Refunded',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'readyAt',
        internalType: 'uint64',
        type: 'uint64',
        indexed: false,
      },
    ],
    name: 'WithdrawalRequested',
  },
  {
    type: 'event',
    anonymous: false,
    inputs: [
      {
        name: 'account',
        internalType: 'address',
        type: 'address',
        indexed: true,
      },
      {
        name: 'amount',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
      {
        name: 'stillRequested',
        internalType: 'uint256',
        type: 'uint256',
        indexed: false,
      },
    ],
    name: 'Withdrawn',
  },
  {
    type: 'error',
    inputs: [
      { name: 'payer', internalType: 'address', type: 'address' },
      { name: 'balance', internalType: 'uint256', type: 'uint256' },
      { name: 'amount', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'PaymentEscrow_InsufficientBalance',
  },
  {
    type: 'error',
    inputs: [{ name: 'readyAt', internalType: 'uint64', type: 'uint64' }],
    name: 'PaymentEscrow_NotReady',
  },
  {
    type: 'error',
    inputs: [{ name: 'caller', internalType: 'address', type: 'address' }],
    name: 'PaymentEscrow_OnlyLedger',
  },
  {
    type: 'error',
    inputs: [
      { name: 'balance', internalType: 'uint256', type: 'uint256' },
      { name: 'amount', internalType: 'uint256', type: 'uint256' },
    ],
    name: 'PaymentEscrow_RequestTooLarge',
  },
  { type: 'error', inputs: [], name: 'PaymentEscrow_ZeroAmount' },
  { type: 'error', inputs: [], name: 'ReentrancyGuardReentrantCall' },
  {
    type: 'error',
    inputs: [{ name: 'token', internalType: 'address', type: 'address' }],
    name: 'SafeERC20FailedOperation',
  },
] as const
