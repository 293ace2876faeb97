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
    name: 'DATANET_REGISTRY',
    outputs: [
      { name: '', internalType: 'contract IDatanetRegistry', type: 'address' },
    ],
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
