using System.Collections;
using System.Collections.Immutable;
using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Context.Features;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.DependencyInjection;
using Offload.Functions.Access;

namespace Offload.IntegrationTests.Functions;

/// <summary>
/// One HTTP invocation run through the worker's own code, as far as it runs without the Functions host: the ASP.NET
/// Core integration's <c>FunctionsHttpProxyingMiddleware</c> (it hands the invocation its HttpContext and, once the
/// function has returned, writes the invocation result to the response), then the app's <see cref="AccessMiddleware"/>,
/// then the Worker SDK's generated <c>DirectFunctionExecutor</c> (it creates the function class, calls it, and stores
/// what it returns as the invocation result). That is the pipeline Program.cs builds. The worker's pieces are internal,
/// so they are reached by name; what the host and the worker's Kestrel would supply (the coordinator that hands over
/// the HttpContext, the invocation's bindings, the bound arguments) are stand-ins.
/// </summary>
internal static class WorkerPipeline
{
    private const string AspNetCoreNamespace = "Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore";
    private static readonly Assembly AspNetCoreIntegration = typeof(FunctionContextExtensions).Assembly;
    private static readonly Assembly WorkerCore = typeof(IFunctionActivator).Assembly;
    private static readonly Assembly FunctionsApp = typeof(AccessMiddleware).Assembly;

    public static async Task InvokeAsync(MethodInfo function, HttpContext http, IReadOnlyDictionary<string, string>? routeValues = null)
    {
        var context = new StubFunctionContext(function, http.RequestServices);
        var bindings = Required(WorkerCore, "Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature");
        typeof(IInvocationFeatures).GetMethod(nameof(IInvocationFeatures.Set))!.MakeGenericMethod(bindings)
            .Invoke(context.Features, [StandIn.Create(bindings, new Bindings().Invoke)]);
        context.Features.Set<IFunctionInputBindingFeature>(new Arguments(function, http, routeValues ?? new Dictionary<string, string>()));

        var coordinator = StandIn.Create(Required(AspNetCoreIntegration, $"{AspNetCoreNamespace}.IHttpCoordinator"), (method, _) => method.Name switch
        {
            "SetFunctionContextAsync" => Task.FromResult(http),
            "CompleteFunctionInvocation" => null,
            _ => throw new NotSupportedException(method.Name),
        });
        var proxying = (IFunctionsWorkerMiddleware)Activator.CreateInstance(Required(AspNetCoreIntegration, $"{AspNetCoreNamespace}.FunctionsHttpProxyingMiddleware"), coordinator)!;
        var activator = (IFunctionActivator)Activator.CreateInstance(WorkerCore.GetTypes().Single(t => t.Name == "DefaultFunctionActivator"))!;
        var executor = (Microsoft.Azure.Functions.Worker.Invocation.IFunctionExecutor)Activator.CreateInstance(
            Required(FunctionsApp, "Offload.Functions.DirectFunctionExecutor"), activator)!;
        var access = ActivatorUtilities.CreateInstance<AccessMiddleware>(http.RequestServices);

        await proxying.Invoke(context, c => access.Invoke(c, c2 => executor.ExecuteAsync(c2).AsTask()));
    }

    private static Type Required(Assembly assembly, string name) =>
        assembly.GetType(name) ?? throw new InvalidOperationException($"{assembly.GetName().Name} {assembly.GetName().Version} has no {name}: see how this version runs an HTTP function's result.");

    /// <summary>The invocation's bindings: only the invocation result matters for an HTTP function with no output bindings.</summary>
    private sealed class Bindings
    {
        private object? _result;

        public object? Invoke(MethodInfo method, object?[] args) => method.Name switch
        {
            "get_InvocationResult" => _result,
            "set_InvocationResult" => _result = args[0],
            "get_OutputBindingData" => new Dictionary<string, object?>(),
            "get_InputData" or "get_TriggerMetadata" => new Dictionary<string, object?>(),
            _ => throw new NotSupportedException(method.Name),
        };
    }

    /// <summary>The function's arguments, by parameter type: its request, route values by name, the invocation's token.</summary>
    private sealed class Arguments(MethodInfo function, HttpContext http, IReadOnlyDictionary<string, string> routeValues) : IFunctionInputBindingFeature
    {
        public ValueTask<FunctionInputBindingResult> BindFunctionInputAsync(FunctionContext context) =>
            ValueTask.FromResult(new FunctionInputBindingResult(function.GetParameters().Select(p => p.ParameterType switch
            {
                var t when t == typeof(HttpRequest) => http.Request,
                var t when t == typeof(CancellationToken) => (object)context.CancellationToken,
                var t when t == typeof(string) => routeValues[p.Name!],
                var t => throw new NotSupportedException($"No stand-in binds a {t}."),
            }).ToArray()));
    }
}

/// <summary>An interface implemented by a delegate, for the worker's internal interfaces the tests must hand it.</summary>
public class StandIn : DispatchProxy
{
    private Func<MethodInfo, object?[], object?> _invoke = (method, _) => throw new NotSupportedException(method.Name);

    public static object Create(Type interfaceType, Func<MethodInfo, object?[], object?> invoke)
    {
        var proxy = (StandIn)Create(interfaceType, typeof(StandIn));
        proxy._invoke = invoke;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => _invoke(targetMethod!, args ?? []);
}

/// <summary>
/// What the Functions host hands the worker for one invocation of an HTTP function (the host cannot run here): its
/// definition, with the HTTP trigger binding the metadata declares, and its features and items.
/// </summary>
internal sealed class StubFunctionContext(MethodInfo function, IServiceProvider services) : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString("N");
    public override string FunctionId => FunctionDefinition.Id;
    public override TraceContext TraceContext => null!;
    public override BindingContext BindingContext => null!;
    public override RetryContext RetryContext => null!;
    public override IServiceProvider InstanceServices { get; set; } = services;
    public override FunctionDefinition FunctionDefinition { get; } = new StubDefinition(function);
    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();
    public override IInvocationFeatures Features { get; } = new StubFeatures();

    private sealed class StubDefinition(MethodInfo function) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];
        public override string PathToAssembly => function.DeclaringType!.Assembly.Location;
        public override string EntryPoint => $"{function.DeclaringType!.FullName}.{function.Name}";
        public override string Id => EntryPoint;
        public override string Name => function.GetCustomAttribute<FunctionAttribute>()!.Name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
            function.GetParameters().Any(p => p.GetCustomAttribute<HttpTriggerAttribute>() is not null)
                ? ImmutableDictionary<string, BindingMetadata>.Empty.Add("request", new HttpTrigger())
                : ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }

    private sealed class HttpTrigger : BindingMetadata
    {
        public override string Name => "request";
        public override string Type => "httpTrigger";
        public override BindingDirection Direction => BindingDirection.In;
    }

    private sealed class StubFeatures : IInvocationFeatures
    {
        private readonly Dictionary<Type, object> _features = [];

        public void Set<T>(T instance) => _features[typeof(T)] = instance!;

        public T? Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

        public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
