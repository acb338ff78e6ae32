// Offload on Azure: one storage account without keys, one user-assigned identity per app with the least roles it
// needs (modules/access.bicep), Application Insights, Key Vault for the SMTP password (the api app's alone), and two
// Flex Consumption apps from one package:
//   api    - HTTP API and the email worker (high-priority, many at a time)
//   encode - the video encoder (heavy-compute, one per 4 GB instance)
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(40)
@description('Name of the environment (azd: AZURE_ENV_NAME); part of every resource name.')
param environmentName string

@description('Region for every resource. Flex Consumption must be available there.')
param location string = resourceGroup().location

@description('SMTP server for email (Azure Communication Services: smtp.azurecomm.net).')
param smtpHost string

@description('SMTP port; 587 with STARTTLS for most providers.')
param smtpPort int = 587

@description('SMTP user name (Azure Communication Services: the Entra app\'s user name; SendGrid: apikey).')
param smtpUser string

@secure()
@description('SMTP password. Kept in Key Vault; the apps read it through a Key Vault reference, never as plain text.')
param smtpPassword string

@description('Sender address of every email, e.g. "Offload <no-reply@contoso.com>".')
param emailFrom string

@description('Object id of a user who may read and write the app\'s storage (for testing); empty for none.')
param userPrincipalId string = ''

@description('Microsoft Entra ID tenant whose access tokens the API accepts, besides API keys; empty for keys only.')
param entraTenantId string = ''

@description('The API\'s application id URI or client id (the tokens\' audience); set together with entraTenantId.')
param entraAudience string = ''

@description('Client id of the dashboard\'s single-page-application registration (redirect URI https://<api app>/dashboard/), so people sign in to it with Entra ID; empty: admin keys only.')
param entraDashboardClientId string = ''

@description('Comma-separated browser origins (https://app.example.com) allowed to upload straight to storage and to call the API; empty for none.')
param corsAllowedOrigins string = ''

@description('Days a finished job, its history, its source and its output are kept after it ended (Jobs__Retention); the outputs lifecycle rule deletes any output a day later.')
@minValue(1)
param jobRetentionDays int = 30

@description('Most instances the encode app may scale to (each runs one encode).')
@minValue(1)
param encodeMaximumInstances int = 10

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var tags = { 'azd-env-name': environmentName, app: 'offload' }
var apiAppName = 'func-api-${resourceToken}'
var encodeAppName = 'func-encode-${resourceToken}'
var deploymentContainers = ['app-package-api', 'app-package-encode']
var smtpSecretName = 'smtp-password'
// A string, not an array: azd substitutes environment values into main.parameters.json as strings.
var corsOrigins = filter(map(split(corsAllowedOrigins, ','), origin => trim(origin)), origin => !empty(origin))

// One identity per app, so that neither can do what only the other needs (see modules/access.bicep).
resource apiIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-api-${resourceToken}'
  location: location
  tags: tags
}

resource encodeIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-encode-${resourceToken}'
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    outputRetentionDays: jobRetentionDays + 1
    deploymentContainers: deploymentContainers
    corsAllowedOrigins: corsOrigins
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    smtpPassword: smtpPassword
    smtpSecretName: smtpSecretName
  }
}

module access 'modules/access.bicep' = {
  name: 'access'
  params: {
    apiPrincipalId: apiIdentity.properties.principalId
    encodePrincipalId: encodeIdentity.properties.principalId
    storageAccountName: storage.outputs.name
    applicationInsightsName: 'appi-${resourceToken}'
    keyVaultName: vault.outputs.name
    smtpSecretName: smtpSecretName
    apiDeploymentContainer: deploymentContainers[0]
    encodeDeploymentContainer: deploymentContainers[1]
    hostContainers: storage.outputs.hostContainers
    userPrincipalId: userPrincipalId
  }
  dependsOn: [monitoring]
}

// Each app runs only the functions of its role and takes as many messages at once as its queues want. Both come from
// one place each: infra/functions.json says which app runs which function (every other function is disabled there),
// and src/Offload/Messaging/queues.json gives each queue's concurrency and app. host.json's queue settings are
// app-wide, so these app settings override them per app; queues that share an app share its concurrency.
var functionApps = loadJsonContent('functions.json')
var workQueues = loadJsonContent('../src/Offload/Messaging/queues.json').queues
var allFunctions = union(functionApps.api, functionApps.encode)

@description('Disables every function of the package that the app does not run.')
func disabledExcept(all array, runs array) object =>
  toObject(filter(all, f => !contains(runs, f)), f => 'AzureWebJobs.${f}.Disabled', f => 'true')

@description('The WebJobs listener keeps batchSize + newBatchThreshold messages in flight: half and half, as the server does (WorkQueue.ListenerSettings); an idle one polls at most maxPollingInterval apart.')
func listenerSettings(queue object) object => {
  AzureFunctionsJobHost__extensions__queues__batchSize: string(min(max((queue.concurrency + 1) / 2, 1), 32))
  AzureFunctionsJobHost__extensions__queues__newBatchThreshold: string(queue.concurrency - min(max((queue.concurrency + 1) / 2, 1), 32))
  AzureFunctionsJobHost__extensions__queues__maxPollingInterval: queue.maxPollingInterval
}

@description('The first work queue an app serves: the queues of one app share its listener settings (they are app-wide).')
func firstQueueOf(queues array, app string) object => first(filter(queues, q => q.app == app))

// Emails (and the watchdog's checks, and the sweeper's timer) on the api app, many at a time.
var apiRoleSettings = union(disabledExcept(allFunctions, functionApps.api), listenerSettings(firstQueueOf(workQueues, 'api')))
// Only the api app serves HTTP, so only it needs to know whose Entra ID tokens to accept (API keys always work).
var entraSettings = empty(entraTenantId) ? {} : union({
  Auth__Entra__TenantId: entraTenantId
  Auth__Entra__Audience: entraAudience
}, empty(entraDashboardClientId) ? {} : { Auth__Entra__DashboardClientId: entraDashboardClientId })
// One encode per instance: more encodes means more instances, never a shared CPU.
var encodeRoleSettings = union(disabledExcept(allFunctions, functionApps.encode), listenerSettings(firstQueueOf(workQueues, 'encode')))

// Only the api app talks to SMTP, so only it gets the SMTP settings and the password's Key Vault reference. The
// encoder queues notification emails for it and needs just the base of their links (EmailOptions' other settings
// keep their defaults there, which pass validation: no SmtpUser, so no password is required).
var smtpSettings = {
  Email__SmtpHost: smtpHost
  Email__SmtpPort: string(smtpPort)
  Email__SmtpUser: smtpUser
  Email__SmtpPassword: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=${smtpSecretName})'
  Email__UseStartTls: 'true'
  Email__From: emailFrom
}
var sharedSettings = {
  Email__LinkBaseUrl: 'https://${apiAppName}.azurewebsites.net'
  // Templates laid over the built-in ones, read at start-up (restart the apps after uploading one). Both apps: the
  // encoder checks its notification emails against the same templates the api sends them with.
  Email__TemplatesContainer: 'email-templates'
  Jobs__Retention: '${jobRetentionDays}.00:00:00'
}

module apiApp 'modules/functionapp.bicep' = {
  name: 'api-app'
  params: {
    name: apiAppName
    serviceName: 'api'
    location: location
    tags: tags
    identityId: apiIdentity.id
    identityClientId: apiIdentity.properties.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainer: deploymentContainers[0]
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: 2048
    maximumInstanceCount: 40
    sharedSettings: sharedSettings
    roleSettings: union(apiRoleSettings, smtpSettings, entraSettings)
    corsAllowedOrigins: corsOrigins
  }
  dependsOn: [access]
}

module encodeApp 'modules/functionapp.bicep' = {
  name: 'encode-app'
  params: {
    name: encodeAppName
    serviceName: 'encode'
    location: location
    tags: tags
    identityId: encodeIdentity.id
    identityClientId: encodeIdentity.properties.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainer: deploymentContainers[1]
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    instanceMemoryMB: 4096
    maximumInstanceCount: encodeMaximumInstances
    sharedSettings: sharedSettings
    roleSettings: encodeRoleSettings
  }
  dependsOn: [access]
}

output AZURE_LOCATION string = location
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output API_IDENTITY_CLIENT_ID string = apiIdentity.properties.clientId
output ENCODE_IDENTITY_CLIENT_ID string = encodeIdentity.properties.clientId
output AZURE_KEY_VAULT_NAME string = vault.outputs.name
output API_APP_NAME string = apiApp.outputs.name
output ENCODE_APP_NAME string = encodeApp.outputs.name
output API_URL string = 'https://${apiApp.outputs.defaultHostName}/api'
