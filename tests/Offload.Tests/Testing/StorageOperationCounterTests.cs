using System.Text;
using Offload.Testing;

namespace Offload.Tests.Testing;

/// <summary>The benchmark's counting proxy frames HTTP/1.1 and names each storage operation: fed bytes, no sockets.</summary>
public class StorageOperationCounterTests
{
    private readonly List<StorageOperation> _seen = [];

    private StorageOperationCounter.Exchange Exchange(string service) => new("worker", service, _seen.Add);

    // Bytes arrive in arbitrary pieces: feed them a few at a time, cut wherever the step falls.
    private static void FeedInPieces(Action<byte[]> feed, string text, int step = 7)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var at = 0; at < bytes.Length; at += step)
            feed(bytes[at..Math.Min(at + step, bytes.Length)]);
    }

    [Fact]
    public void GetMessages_CountsTheMessagesOfAChunkedResponse()
    {
        var exchange = Exchange("queue");
        const string body = "<?xml version=\"1.0\"?><QueueMessagesList><QueueMessage><MessageId>a</MessageId></QueueMessage>" +
                            "<QueueMessage><MessageId>b</MessageId></QueueMessage></QueueMessagesList>";
        FeedInPieces(b => exchange.FromClient(b),
            "GET /devstoreaccount1/high-priority/messages?numofmessages=1&visibilitytimeout=600 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
        FeedInPieces(b => exchange.FromServer(b),
            $"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{Encoding.UTF8.GetByteCount(body[..40]):x}\r\n{body[..40]}\r\n" +
            $"{Encoding.UTF8.GetByteCount(body[40..]):x}\r\n{body[40..]}\r\n0\r\n\r\n");
        // The next exchange on the same connection: an empty poll.
        FeedInPieces(b => exchange.FromClient(b), "GET /devstoreaccount1/high-priority/messages?numofmessages=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        FeedInPieces(b => exchange.FromServer(b), "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n<QueueMessagesList>");

        Assert.Collection(_seen,
            op => Assert.Equal(("high-priority", "get messages", 200, 2), (op.Resource, op.Kind, op.Status, op.Messages)),
            op => Assert.Equal(0, op.Messages));
    }

    [Fact]
    public void Batch_IsOneTransactionOnTheTableItsOperationsName()
    {
        var exchange = Exchange("table");
        const string body =
            "--batch_1\r\nContent-Type: multipart/mixed; boundary=changeset_1\r\n\r\n" +
            "--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "PUT http://127.0.0.1:1/devstoreaccount1/jobs(PartitionKey='j1',RowKey='job') HTTP/1.1\r\nIf-Match: W/\"1\"\r\n\r\n{}\r\n" +
            "--changeset_1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
            "POST http://127.0.0.1:1/devstoreaccount1/jobs HTTP/1.1\r\n\r\n{}\r\n--changeset_1--\r\n--batch_1--\r\n";
        FeedInPieces(b => exchange.FromClient(b),
            $"POST /devstoreaccount1/$batch HTTP/1.1\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}", step: 13);
        FeedInPieces(b => exchange.FromServer(b), "HTTP/1.1 202 Accepted\r\nContent-Length: 5\r\n\r\nabcde");

        var op = Assert.Single(_seen);
        Assert.Equal(("jobs", "transaction", 2, 202), (op.Resource, op.Kind, op.BatchOperations, op.Status));
    }

    [Fact]
    public void Head_HasNoBody_EvenWhenItStatesALength()
    {
        var exchange = Exchange("blob");
        exchange.FromClient(Encoding.UTF8.GetBytes("HEAD /devstoreaccount1/uploads/j1 HTTP/1.1\r\n\r\n"));
        exchange.FromServer(Encoding.UTF8.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 82385408\r\n\r\n"));
        exchange.FromClient(Encoding.UTF8.GetBytes("PUT /devstoreaccount1/outputs/j1/r1.mp4?comp=block&blockid=AAA HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"));
        exchange.FromServer(Encoding.UTF8.GetBytes("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));
        exchange.FromClient(Encoding.UTF8.GetBytes("GET /devstoreaccount1/uploads/j1 HTTP/1.1\r\nx-ms-range: bytes=0-3\r\n\r\n"));
        exchange.FromServer(Encoding.UTF8.GetBytes("HTTP/1.1 206 Partial Content\r\n\r\nabcd"));
        exchange.Closed(); // no length and not chunked: the body ran to the end of the connection

        Assert.Equal(["uploads get properties", "outputs put block", "uploads get blob (ranged)"], _seen.Select(o => $"{o.Resource} {o.Kind}"));
    }

    [Theory]
    [InlineData("table", "GET /devstoreaccount1/jobs(PartitionKey='j1',RowKey='job') HTTP/1.1", "jobs", "point read")]
    [InlineData("table", "GET /devstoreaccount1/activejobs()?$filter=PartitionKey%20eq%20'a' HTTP/1.1", "activejobs", "query")]
    [InlineData("table", "PUT /devstoreaccount1/activejobs(PartitionKey='lock',RowKey='sweeper') HTTP/1.1", "activejobs", "upsert")]
    [InlineData("queue", "DELETE /devstoreaccount1/watchdog/messages/abc?popreceipt=x HTTP/1.1", "watchdog", "delete message")]
    [InlineData("queue", "PUT /devstoreaccount1/watchdog/messages/abc?popreceipt=x&visibilitytimeout=60 HTTP/1.1", "watchdog", "update message")]
    [InlineData("queue", "POST /devstoreaccount1/heavy-compute/messages?visibilitytimeout=0 HTTP/1.1", "heavy-compute", "put message")]
    [InlineData("blob", "PUT /devstoreaccount1/outputs/j1/r1.mp4?comp=blocklist HTTP/1.1", "outputs", "put block list")]
    public void Classifies(string service, string requestLine, string resource, string kind)
    {
        var exchange = Exchange(service);
        exchange.FromClient(Encoding.UTF8.GetBytes($"{requestLine}\r\nContent-Length: 0\r\n\r\n"));
        exchange.FromServer(Encoding.UTF8.GetBytes("HTTP/1.1 204 No Content\r\n\r\n"));

        var op = Assert.Single(_seen);
        Assert.Equal((resource, kind), (op.Resource, op.Kind));
    }
}
