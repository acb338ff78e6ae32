// One Flex Consumption function app running the Offload.Functions package. Both apps are this module with
// different functions enabled, instance sizes and queue batch sizes: the dedicated workers of the architecture.

param name string
param location string
param tags object = {}

@description('azd service name (azure.yaml), used to find the app when deploying.')
param serviceName string

@description('This app\'s own user-assigned identity: storage, telemetry and (api) the Key Vault reference use it.')
param identityId string
param identityClientId string
param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainer string
param applicationInsightsConnectionString string

@allowed([512, 2048, 4096])
param instanceMemoryMB int

@minValue(1)
param maximumInstanceCount int

@description('Settings that make this app the API or the encoder (disabled functions, queue batch sizes).')
param roleSettings object

@description('Settings shared by every app (the links in emails).')
param sharedSettings object

@description('Browser origins that may call this app\'s HTTP API; empty for none (no CORS at all).')
param corsAllowedOrigins string[] = []

// Identity-based connection for the triggers and for the app's own clients (StorageClients.cs); telemetry without keys.
var platformSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: 'plan-${name}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: union({ minTlsVersion: '1.2', ftpsState: 'Disabled' }, empty(corsAllowedOrigins) ? {} : {
      // The platform answers the preflight; API keys and tokens travel in the Authorization header, not in cookies.
      cors: { allowedOrigins: corsAllowedOrigins, supportCredentials: false }
    })
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainer}'
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(sharedSettings, roleSettings, platformSettings)
  }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
