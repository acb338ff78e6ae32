using System.Numerics;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace Offload.Access;

/// <summary>
/// One API key (table <c>apikeys</c>, partition = key id). The secret itself is never stored: only its SHA-256,
/// which is enough for a 256-bit random value (nothing to brute-force), and cheap on every request.
/// </summary>
public sealed class ApiKey : ITableEntity
{
    public const string RowKeyValue = "key";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = RowKeyValue;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    [IgnoreDataMember]
    public string Id => PartitionKey;
    public string Name { get; set; } = "";
    /// <summary>The granted scopes, comma-separated.</summary>
    public string Scopes { get; set; } = "";
    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public string Hash { get; set; } = "";
    /// <summary>The owner id of the admin who made it.</summary>
    public string? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }

    [IgnoreDataMember]
    public IReadOnlyList<string> ScopeList => Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The owner id of everything made with this key.</summary>
    public static string OwnerOf(string keyId) => $"key:{keyId}";
}

/// <summary>
/// The shape of an Offload API key: <c>offload_{id}_{secret}</c>, where id is 16 hex characters and secret 43 base62
/// characters (256 random bits). The fixed prefix lets secret scanners (GitHub's, a pre-commit hook) recognise a
/// leaked key by the pattern <c>offload_[0-9a-f]{16}_[0-9A-Za-z]{43}</c>; the id lets the server find the key's
/// record with one point read, and base62 keeps it one word to double-click.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "offload_";
    public const int IdLength = 16;
    public const int SecretLength = 43;
    public const int Length = 8 + IdLength + 1 + SecretLength;
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static (string Id, string Key) New()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        return (id, $"{Prefix}{id}_{ToBase62(RandomNumberGenerator.GetBytes(32), SecretLength)}");
    }

    /// <summary>The id inside a key of this shape; <c>null</c> for anything else.</summary>
    public static string? IdOf(string key)
    {
        if (key.Length != Length || !key.StartsWith(Prefix, StringComparison.Ordinal) || key[Prefix.Length + IdLength] != '_')
            return null;
        var id = key.Substring(Prefix.Length, IdLength);
        return IsValidId(id) && !key.AsSpan(Prefix.Length + IdLength + 1).ContainsAnyExcept(Base62) ? id : null;
    }

    public static bool IsValidId(string? id) => id is { Length: IdLength } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Compares two hashes in constant time, so response times say nothing about how much of a guess was right.</summary>
    public static bool HashMatches(string key, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(storedHash));

    private static string ToBase62(byte[] bytes, int length)
    {
        var value = new BigInteger(bytes, isUnsigned: true);
        var text = new StringBuilder(length);
        while (value > 0)
        {
            text.Insert(0, Base62[(int)(value % 62)]);
            value /= 62;
        }

        return text.ToString().PadLeft(length, '0');
    }
}
