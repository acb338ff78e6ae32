// The one storage account: the app's blobs, queues and tables, the Functions hosts' containers and each function
// app's deployment container. Keys are off (identity only), no blob is anonymous, TLS 1.2 at least.
//
// Network: the endpoints are public (publicNetworkAccess Enabled, no firewall rules). Flex Consumption without VNet
// integration reaches storage over its public endpoint, so a firewall would lock the apps out; every request still
// needs an Entra ID token and a role (allowSharedKeyAccess false: no account keys, no key-signed SAS). With a VNet,
// turn on the apps' VNet integration, add private endpoints (blob, queue, table) with their private DNS zones, and set
// publicNetworkAccess 'Disabled' with networkAcls defaultAction 'Deny'. Browser uploads then need a public path again
// (or must come from inside the network).

@description('Storage account name (3-24 lower-case letters and digits).')
param name string

@description('Azure region.')
param location string

param tags object = {}

@description('Blob containers holding each function app\'s deployment package.')
param deploymentContainers string[]

@description('Browser origins (https://app.example.com) that may PUT an upload straight to its SAS link; empty for none.')
param corsAllowedOrigins string[] = []

@description('Days an uploaded source is kept; encoded outputs stay.')
@minValue(1)
param uploadRetentionDays int = 7

@description('Days after which an output blob is deleted: a backstop a day past the jobs\' retention, which deletes a job\'s output with the job.')
param outputRetentionDays int = 31

// Keep in step with src/Offload/Storage/StorageNames.cs and src/Offload/Messaging/QueueNames.cs.
var containers = ['uploads', 'outputs', 'email-templates']
// Made here rather than by the Functions host on first start, so that each app's role on them can be scoped to them.
var hostContainers = ['azure-webjobs-hosts', 'azure-webjobs-secrets']
var tables = ['jobs', 'idempotency', 'apikeys', 'quotas', 'activejobs', 'jobexpiries', 'webhooks', 'webhooksecrets', 'webhookdeliveries', 'deadletters']
var queues = ['heavy-compute', 'heavy-compute-poison', 'high-priority', 'high-priority-poison', 'webhooks', 'webhooks-poison', 'watchdog', 'watchdog-poison']

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

// A browser uploads with the write-only SAS link of POST /api/uploads: Put Blob, or Put Block and Put Block List for a
// large file (the Azure Storage JavaScript SDK), all PUT; the preflight OPTIONS needs no rule of its own. The SDK sends
// x-ms-blob-type, x-ms-version, x-ms-client-request-id, x-ms-blob-content-type and the like, plus Content-Type, and
// reads the ETag and x-ms-* headers of the answer. No origins: no rule, so nothing cross-origin.
var corsRules = empty(corsAllowedOrigins) ? [] : [
  {
    allowedOrigins: corsAllowedOrigins
    allowedMethods: ['PUT']
    allowedHeaders: ['content-type', 'content-md5', 'x-ms-*']
    exposedHeaders: ['etag', 'last-modified', 'date', 'content-md5', 'x-ms-*']
    maxAgeInSeconds: 3600
  }
]

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-06-01' = {
  parent: account
  name: 'default'
  properties: {
    cors: { corsRules: corsRules }
  }
}

resource appContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' = [for container in concat(containers, hostContainers, deploymentContainers): {
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
            // Submit pins the checked source as a snapshot: the snapshots go too, or the base blob could not be deleted.
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: uploadRetentionDays } }
              snapshot: { delete: { daysAfterCreationGreaterThan: uploadRetentionDays } }
            }
          }
        }
        {
          // The app deletes an expired job's output itself (Jobs__Retention); this catches whatever it missed.
          name: 'delete-old-outputs'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: { blobTypes: ['blockBlob'], prefixMatch: ['outputs/'] }
            actions: {
              baseBlob: { delete: { daysAfterModificationGreaterThan: outputRetentionDays } }
            }
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
output hostContainers string[] = hostContainers
