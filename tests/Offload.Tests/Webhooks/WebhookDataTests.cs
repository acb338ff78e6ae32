using System.Text.Json.Nodes;
using Offload.Webhooks;

namespace Offload.Tests.Webhooks;

public class WebhookDataTests
{
    private static JsonObject View(int events) => new()
    {
        ["id"] = "0193a0b1c2d3e4f5a6b7c8d9e0f1a2b3",
        ["status"] = "failed",
        ["events"] = new JsonArray(Enumerable.Range(1, events).Select(i => (JsonNode)new JsonObject
        {
            ["attempt"] = i,
            ["reason"] = $"Attempt {i} failed: " + new string('x', 400),
        }).ToArray()),
    };

    [Fact]
    public void ASmallView_IsCarriedWhole()
    {
        var data = PublishWebhookEvents.Bounded(View(3));

        Assert.Equal(3, data.GetProperty("events").GetArrayLength());
        Assert.False(data.TryGetProperty("eventsOmitted", out _));
    }

    [Fact]
    public void ALongHistory_KeepsItsNewestEntries_WithinTheLimit_AndSaysHowManyItLeftOut()
    {
        var data = PublishWebhookEvents.Bounded(View(200)); // ~90 000 characters as it is

        Assert.True(data.GetRawText().Length <= PublishWebhookEvents.MaxDataChars, $"{data.GetRawText().Length} characters");
        var kept = data.GetProperty("events").GetArrayLength();
        Assert.Equal(200, kept + data.GetProperty("eventsOmitted").GetInt32());
        Assert.Equal(200, data.GetProperty("events")[kept - 1].GetProperty("attempt").GetInt32()); // the newest stays
        Assert.Equal("failed", data.GetProperty("status").GetString());
    }
}
