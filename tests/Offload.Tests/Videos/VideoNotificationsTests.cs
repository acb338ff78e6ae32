using Offload.Jobs;
using Offload.Videos;

namespace Offload.Tests.Videos;

public class VideoNotificationsTests
{
    [Fact]
    public void NotificationId_IsOnePerVideoAndOutcome_WhateverTheNumberOfRuns()
    {
        var video = JobId.New();

        Assert.Equal(VideoNotifications.NotificationId(video, JobStatus.Failed), VideoNotifications.NotificationId(video, JobStatus.Failed));
        Assert.NotEqual(VideoNotifications.NotificationId(video, JobStatus.Failed), VideoNotifications.NotificationId(video, JobStatus.Succeeded));
        Assert.NotEqual(VideoNotifications.NotificationId(video, JobStatus.Failed), VideoNotifications.NotificationId(JobId.New(), JobStatus.Failed));
        Assert.True(JobId.IsValid(VideoNotifications.NotificationId(video, JobStatus.Succeeded)));
    }
}
