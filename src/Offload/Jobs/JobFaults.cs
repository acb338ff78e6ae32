namespace Offload.Jobs;

/// <summary>The job can never succeed, whatever the number of tries (the upload is not a video; the server refused the address).</summary>
/// <remarks>The message is the job's error: words for its owner, never a path, host or login (those go to the log).</remarks>
public sealed class PermanentJobException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>This attempt failed, a later one may not (a server was unreachable): the job is retried with backoff.</summary>
/// <remarks>The message is the job's error, as for <see cref="PermanentJobException"/>.</remarks>
public sealed class TransientJobException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>
/// What a kind says about an exception of its work it does not wrap itself (<see cref="JobKind.Classify"/>):
/// permanent (the job fails at once) or transient (retried), with the reason its owner reads.
/// </summary>
public sealed record JobFault(bool Permanent, string Reason)
{
    public static JobFault Fail(string reason) => new(true, reason);

    public static JobFault Retry(string reason) => new(false, reason);
}
