// Secrets the apps read through Key Vault references (RBAC only, no access policies).

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
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: smtpSecretName
  properties: { value: smtpPassword }
}

output name string = vault.name
