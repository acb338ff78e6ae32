// Who may do what: one user-assigned identity per app, each with the least roles its code and the Functions host need,
// scoped to the container, queue or table it uses wherever the scope is known in advance. Read it as a table:
// the grant lists below are the whole of it (and the infra tests hold it to them).

param apiPrincipalId string
param encodePrincipalId string
param storageAccountName string
param applicationInsightsName string
param keyVaultName string
param smtpSecretName string

@description('The api app\'s and the encode app\'s deployment containers.')
param apiDeploymentContainer string
param encodeDeploymentContainer string

@description('Containers the Functions host keeps its locks, host ids and keys in (created by storage.bicep).')
param hostContainers string[]

@description('Object id of a user to grant the same data access (for testing against the deployed storage); empty for none.')
param userPrincipalId string = ''

var blobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
var blobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
var blobDataReader = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' // Storage Blob Data Reader
var blobDelegator = 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a' // Storage Blob Delegator: the user delegation key, no data
var queueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
var queueMessageSender = 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a' // Storage Queue Data Message Sender: add messages only
var tableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
var tableDataReader = '76199698-9eea-4c19-bc75-cec21354c6b6' // Storage Table Data Reader: query only
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher: telemetry without keys
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6' // Key Vault Secrets User: read one secret's value

var principals = { api: apiPrincipalId, encode: encodePrincipalId }

// The Functions host (docs: "Connecting to host storage with an identity") needs Storage Blob Data Owner for its
// coordination blobs and key store; it writes them only in the host containers, which infra/ creates so that the role
// can be scoped to them instead of the account. Each app also owns its own deployment container, and no other.
var hostGrants = [for app in ['api', 'encode']: map(hostContainers, container => { app: app, container: container, role: blobDataOwner })]
var containerGrants = concat(flatten(hostGrants), [
  { app: 'api', container: apiDeploymentContainer, role: blobDataOwner }
  { app: 'encode', container: encodeDeploymentContainer, role: blobDataOwner }
  // The api streams uploads in, checks and deletes them, and signs write-only upload links (a user delegation SAS
  // grants at most what its signer may do).
  { app: 'api', container: 'uploads', role: blobDataContributor }
  // The api only signs read-only download links for outputs.
  { app: 'api', container: 'outputs', role: blobDataReader }
  // The encoder reads the source and writes (or, when cancelled at the last moment, deletes) the output.
  { app: 'encode', container: 'uploads', role: blobDataReader }
  { app: 'encode', container: 'outputs', role: blobDataContributor }
  // Both apps read the email templates at start-up: the api renders them, the encoder checks its notifications'
  // models against them. Neither writes them: an operator uploads them (with a role of their own).
  { app: 'api', container: 'email-templates', role: blobDataReader }
  { app: 'encode', container: 'email-templates', role: blobDataReader }
])

// Only the encode app's queues are scoped: it takes heavy-compute (and the listener moves its last failures to
// heavy-compute-poison), and only adds messages to watchdog (lease checks), high-priority (?notify= emails) and webhooks
// (the events of the videos it ends). The api app uses every queue there is (it sends all work and runs every other
// queue's worker and dead-letter function), so its grant is the account's queues, which are exactly those eight.
var queueGrants = [
  { app: 'encode', queue: 'heavy-compute', role: queueDataContributor }
  { app: 'encode', queue: 'heavy-compute-poison', role: queueDataContributor }
  { app: 'encode', queue: 'watchdog', role: queueMessageSender }
  { app: 'encode', queue: 'high-priority', role: queueMessageSender }
  { app: 'encode', queue: 'webhooks', role: queueMessageSender }
]

// The encoder runs ffmpeg on untrusted files, so it gets the jobs table (its notification emails are job rows there
// too, and so are the quota counters: it counts the source seconds it encodes), activejobs and jobexpiries (a job
// stored before the shards leaves the old index of unfinished jobs, filed to expire), and to publish a video's events it reads the owner's webhook endpoints
// (read only: it can neither add an endpoint nor change one) and indexes the deliveries it queues: never apikeys,
// where a row is a way in, nor idempotency, nor webhooksecrets (the api app alone signs deliveries).
// The api app uses every table, and its
// host's diagnostic events go to a table it makes each month (AzureFunctionsDiagnosticEvents<yyyyMM>), a name no
// role can be scoped to in advance; so its grant is account-wide. (The encode host logs a warning instead.)
var tableGrants = [
  { app: 'encode', table: 'jobs', role: tableDataContributor }
  { app: 'encode', table: 'activejobs', role: tableDataContributor }
  { app: 'encode', table: 'jobexpiries', role: tableDataContributor }
  { app: 'encode', table: 'webhooks', role: tableDataReader }
  { app: 'encode', table: 'webhookdeliveries', role: tableDataContributor }
]

var accountGrants = [
  { app: 'api', role: blobDelegator } // GetUserDelegationKey is an account-level operation: no container scope exists
  // The encoder signs the read links its split parts' ffmpeg reads the source by: a delegation key grants no data of
  // its own, and a link it signs reads only what its Blob Data Reader role on uploads reads.
  { app: 'encode', role: blobDelegator }
  { app: 'api', role: queueDataContributor }
  { app: 'api', role: tableDataContributor }
]

// A person testing against the deployed storage (and making the first API key with Offload.Server keys create).
var userStorageRoles = [blobDataOwner, queueDataContributor, tableDataContributor]

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  resource tableService 'tableServices' existing = {
    name: 'default'
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-06-01' existing = [for grant in containerGrants: {
  parent: storage::blobService
  name: grant.container
}]

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2025-06-01' existing = [for grant in queueGrants: {
  parent: storage::queueService
  name: grant.queue
}]

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-06-01' existing = [for grant in tableGrants: {
  parent: storage::tableService
  name: grant.table
}]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName

  resource smtpPassword 'secrets' existing = {
    name: smtpSecretName
  }
}

resource containerAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (grant, i) in containerGrants: {
  scope: containers[i]
  name: guid(containers[i].id, principals[grant.app], grant.role)
  properties: {
    principalId: principals[grant.app]
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
  }
}]

resource queueAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (grant, i) in queueGrants: {
  scope: queues[i]
  name: guid(queues[i].id, principals[grant.app], grant.role)
  properties: {
    principalId: principals[grant.app]
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
  }
}]

resource tableAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for (grant, i) in tableGrants: {
  scope: tables[i]
  name: guid(tables[i].id, principals[grant.app], grant.role)
  properties: {
    principalId: principals[grant.app]
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
  }
}]

resource accountAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for grant in accountGrants: {
  scope: storage
  name: guid(storage.id, principals[grant.app], grant.role)
  properties: {
    principalId: principals[grant.app]
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', grant.role)
  }
}]

resource userStorageAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in (empty(userPrincipalId) ? [] : userStorageRoles): {
  scope: storage
  name: guid(storage.id, userPrincipalId, role)
  properties: {
    principalId: userPrincipalId
    principalType: 'User'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource telemetryAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for app in ['api', 'encode']: {
  scope: applicationInsights
  name: guid(applicationInsights.id, principals[app], monitoringMetricsPublisher)
  properties: {
    principalId: principals[app]
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
  }
}]

// Only the api app sends email, so only it may read the SMTP password: that one secret, not the vault.
resource secretsAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: keyVault::smtpPassword
  name: guid(keyVault::smtpPassword.id, apiPrincipalId, keyVaultSecretsUser)
  properties: {
    principalId: apiPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
  }
}
