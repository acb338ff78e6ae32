using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Offload.Http;

namespace Offload.Email;

/// <summary>The request body of POST /api/email-templates/{name}/preview.</summary>
public sealed record EmailPreviewRequest(Dictionary<string, JsonElement>? Model);

/// <summary>
/// What templates there are and what they make, written once for both hosts. For anyone who may send email
/// (<see cref="EmailRoutes.Policy"/>): the same templates serve every caller, and a preview sends nothing.
/// </summary>
public sealed class EmailTemplatesApi(EmailTemplates templates, EmailLinks links)
{
    /// <summary>GET /api/email-templates: every template with its variables, and which layer each file came from.</summary>
    public IResult List() => ApiResults.Ok(new TemplateList([.. templates.All.Select(t => new TemplateView(
        t.Name, t.Description, t.BuiltIn, [.. t.Variables.Select(v => new VariableView(v.Name, v.Required, v.Link, v.Description))], t.Sources))]));

    /// <summary>
    /// POST /api/email-templates/{name}/preview with <c>{"model": {...}}</c>: the email as it would be sent, checked
    /// as POST /api/emails checks it (required variables, links, caps), and not sent.
    /// </summary>
    public async Task<IResult> PreviewAsync(HttpRequest request, string name, CancellationToken cancellationToken)
    {
        if (!templates.Exists(name))
            return ApiResults.NotFound($"There is no email template '{name}'.");
        var (body, error) = await ApiResults.ReadJsonAsync<EmailPreviewRequest>(request, "preview request", "{\"model\": {...}}", cancellationToken);
        if (body is null)
            return error!;
        var (model, badModel) = EmailApi.ReadModel(body.Model);
        if (badModel is not null)
            return badModel;

        model ??= [];
        if (templates.Validate(name, model, links) is { } problem)
            return ApiResults.InvalidField(problem.Field, problem.Message);
        var email = templates.Render(name, model);
        return ApiResults.Ok(new Preview(name, email.Subject, email.Text, email.Html));
    }

    public sealed record TemplateList(IReadOnlyList<TemplateView> Templates);

    public sealed record TemplateView(
        string Name, string? Description, bool BuiltIn, IReadOnlyList<VariableView> Variables, IReadOnlyDictionary<string, string> Sources);

    public sealed record VariableView(string Name, bool Required, bool Link, string? Description);

    public sealed record Preview(string Template, string Subject, string Text, string Html);
}
