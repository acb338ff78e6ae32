using System.ComponentModel.DataAnnotations;
using Offload.Messaging;
using Offload.Server.Queues;

namespace Offload.Tests.Server;

public class WorkerOptionsTests
{
    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(2, 1, 1)]
    [InlineData(4, 2, 2)]
    [InlineData(32, 16, 16)]
    [InlineData(100, 32, 68)]
    public void ListenerSettings_KeepExactlyTheConcurrencyInFlight(int concurrency, int batchSize, int threshold)
    {
        var settings = WorkQueue.ListenerSettings(concurrency);

        Assert.Equal((batchSize, threshold), settings);
        Assert.Equal(concurrency, settings.BatchSize + settings.NewBatchThreshold);
    }

    [Fact]
    public void Defaults_ServeEveryWorkQueue_WithItsDeclaredConcurrency_OneEncodeAndManyEmailsAtOnce()
    {
        var options = new WorkerOptions();

        Assert.Equal(WorkQueues.Names, options.ServedQueues);
        Assert.Equal(1, options.ConcurrencyOf(QueueNames.HeavyCompute));
        Assert.True(options.ConcurrencyOf(QueueNames.HighPriority) >= 32);
    }

    [Fact]
    public void QueuesAndConcurrency_AreLikeCeleryWorkerFlags()
    {
        var options = new WorkerOptions { Queues = "heavy-compute", Concurrency = 4 };

        Assert.Equal([QueueNames.HeavyCompute], options.ServedQueues);
        Assert.Equal(4, options.ConcurrencyOf(QueueNames.HeavyCompute));
    }

    [Fact]
    public void None_ServesNoQueue() => Assert.Empty(new WorkerOptions { Queues = "none" }.ServedQueues);

    [Fact]
    public void Validate_RefusesAnUnknownQueueName()
    {
        var options = new WorkerOptions { Queues = "heavy-compute, emails" };

        var results = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true));
        Assert.Contains("'emails'", Assert.Single(results).ErrorMessage);
    }
}
