// Secrets the api app reads through Key Vault references (RBAC only, no access policies).
//
// Network: public endpoint (publicNetworkAccess Enabled). The api app on Flex Consumption without VNet integration
// resolves its Key Vault reference over the public endpoint; every read still needs an Entra ID token and the Key
// Vault Secrets User role on the secret (enableRbacAuthorization). With a VNet: the app's VNet integration, a private
// endpoint (vault) with its private DNS zone, publicNetworkAccess 'Disabled' and networkAcls defaultAction 'Deny'.

param name string
param location string
param tags object = {}

@secure()
@description('The SMTP password; stored as the secret named by smtpSecretName.')
param smtpPassword string

param smtpSecretName string

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    // Purge protection: a deleted vault or secret stays recoverable for the whole retention period and nobody, not
    // even an owner, can purge it sooner. It cannot be turned off again, and the retention period cannot be changed
    // once set; the vault's name stays taken until the period ends (an azd down + up with the same name waits).
    softDeleteRetentionInDays: 7
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: smtpSecretName
  properties: { value: smtpPassword }
}

output name string = vault.name
