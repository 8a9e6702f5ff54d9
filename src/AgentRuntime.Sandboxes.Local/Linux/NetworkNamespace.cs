using System.Net;
using System.Net.Sockets;

namespace AgentRuntime.Sandboxes.Local.Linux;

/// <summary>
/// A network namespace of a sandbox's own: only a loopback device, and on it the listening sockets of the runtime's
/// bridge. It is made by the runtime (which must be root) on a thread of its own, so the listeners belong to the
/// runtime: a process in the sandbox can connect to them but cannot stop or replace them, and there is no route out.
/// Sandbox processes join it with <c>nsenter --net=<see cref="Path"/></c> before bubblewrap starts them.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private readonly int _descriptor;

    private NetworkNamespace(int descriptor, IReadOnlyList<Socket> listeners)
    {
        _descriptor = descriptor;
        Listeners = listeners;
    }

    /// <summary>The listening sockets made inside, in the order of the ports asked for.</summary>
    public IReadOnlyList<Socket> Listeners { get; }

    /// <summary>A path that names the namespace for as long as this object lives (the runtime's descriptor of it).</summary>
    public string Path => $"/proc/{Environment.ProcessId}/fd/{_descriptor}";

    /// <summary>Makes a namespace with listeners on <c>127.0.0.1</c> at <paramref name="ports"/>.</summary>
    public static NetworkNamespace Create(IReadOnlyList<int> ports)
    {
        NetworkNamespace? created = null;
        Exception? failure = null;

        // unshare(CLONE_NEWNET) moves only the calling thread; that thread makes the sockets (a socket stays in the
        // namespace it was made in) and then ends, so no thread of the runtime's pool is ever left in a sandbox's namespace.
        var thread = new Thread(() =>
        {
            var listeners = new List<Socket>();
            var descriptor = -1;
            try
            {
                LinuxInterop.UnshareNetwork();
                LinuxInterop.BringLoopbackUp();
                foreach (var port in ports)
                {
                    var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    listeners.Add(listener);
                    listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
                    listener.Listen(64);
                }

                descriptor = LinuxInterop.OpenForReading("/proc/thread-self/ns/net");
                created = new NetworkNamespace(descriptor, listeners);
            }
            catch (Exception ex)
            {
                failure = ex;
                listeners.ForEach(l => l.Dispose());
                if (descriptor >= 0)
                {
                    LinuxInterop.Close(descriptor);
                }
            }
        })
        { IsBackground = true, Name = "sandbox-netns" };
        thread.Start();
        thread.Join();
        return created ?? throw new SandboxException($"Could not make the sandbox's network namespace: {failure?.Message}", failure);
    }

    public void Dispose()
    {
        foreach (var listener in Listeners)
        {
            listener.Dispose();
        }

        LinuxInterop.Close(_descriptor);
    }
}
