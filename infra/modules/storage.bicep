// The one storage account: the app's blobs, queues and table, and each function app's deployment container.
// Keys are off (identity only), nothing is public, TLS 1.2 at least.

@description('Storage account name (3-24 lower-case letters and digits).')
param name string

@description('Azure region.')
param location string

param tags object = {}

@description('Blob containers holding each function app\'s deployment package.')
param deploymentContainers string[]

@description('Days an uploaded source is kept; encoded outputs stay.')
@minValue(1)
param uploadRetentionDays int = 7

// Keep in step with src/Offload/Storage/StorageNames.cs and src/Offload/Messaging/QueueNames.cs.
var containers = ['uploads', 'outputs']
var tables = ['jobs', 'idempotency', 'apikeys', 'quotas']
var queues = ['heavy-compute', 'heavy-compute-poison', 'high-priority', 'high-priority-poison', 'watchdog', 'watchdog-poison']

resource account 'Microsoft.Storage/storageAccounts@2025-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // managed identity only: no account keys, no key-signed SAS
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource appContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [for container in concat(containers, deploymentContainers): {
  parent: blobService
  name: container
  properties: { publicAccess: 'None' }
}]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource appQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' = [for queue in queues: {
  parent: queueService
  name: queue
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-06-01' = {
  parent: account
  name: 'default'
}

resource appTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' = [for table in tables: {
  parent: tableService
  name: table
}]

// Sources are only needed until they are encoded (and abandoned uploads never are): delete them after a while.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-old-uploads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['uploads/'] }
            actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: uploadRetentionDays } } }
          }
        }
      ]
    }
  }
}

output name string = account.name
output id string = account.id
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
