import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTPS server in python3 (`ssl` and `ThreadingHTTPServer`) on 127.0.0.1, killed by PID when done.
///
/// It answers every GET with `host=<Host header>;sni=<server name the client sent>`.
final class PythonTLSServer {
    /// The port it listens on.
    let port: Int
    private let process: Process
    private let directory: String

    /// Starts the server with a certificate and key; with `clientCA`, it requires a client certificate
    /// signed by that CA.
    init(certificate: String, key: String, clientCA: String? = nil) throws {
        guard let python = TLSFixture.executable("python3") else {
            throw TLSFixture.Failure(description: "python3 is not on PATH")
        }
        directory = (certificate as NSString).deletingLastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", PythonTLSServer.script, certificate, key, clientCA ?? ""]
        let output = Pipe()
        process.standardOutput = output
        let log = "\(directory)/python-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        self.process = process
        guard let port = TestSupport.announcedPort(of: process, on: output) else {
            let errors = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TLSFixture.Failure(description: "the python3 TLS server did not start: \(errors)")
        }
        self.port = port
    }

    deinit {
        stop()
    }

    /// `https://127.0.0.1:<port>`.
    var baseURL: String { "https://127.0.0.1:\(port)" }

    /// Kills the server by PID and waits for it to exit.
    ///
    /// SIGKILL rather than SIGTERM: a child spawned from a Dispatch worker thread inherits that thread's
    /// blocked signals, SIGTERM among them.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static let script = """
        import http.server, socket, ssl, sys

        certificate, key, client_ca = sys.argv[1], sys.argv[2], sys.argv[3]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate, key)
        if client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(client_ca)

        def remember_server_name(connection, server_name, _context):
            connection.cfg_server_name = server_name

        context.sni_callback = remember_server_name

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                server_name = getattr(self.connection, "cfg_server_name", None)
                body = ("host=%s;sni=%s" % (self.headers.get("Host"), server_name)).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def finish_request(self, request, client_address):
                connection = context.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
                try:
                    connection.do_handshake()
                except OSError:
                    # Close gracefully: the client reads the alert (say, "certificate required") instead of
                    # a reset caused by closing with its unread request still queued.
                    raw = socket.socket(fileno=connection.detach())
                    try:
                        raw.shutdown(socket.SHUT_WR)
                        raw.settimeout(2)
                        while raw.recv(65536):
                            pass
                    except OSError:
                        pass
                    finally:
                        raw.close()
                    return
                try:
                    self.RequestHandlerClass(connection, client_address, self)
                except OSError:
                    pass
                finally:
                    connection.close()

        server = Server(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """
}
