import java.io.IOException;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Runs DynamoDB Local listening on 127.0.0.1 only. The engine has no host flag: it builds its Jetty server
 * with {@code new Server(port)}, whose one connector listens on every interface. This launcher builds the
 * server the way DynamoDB Local's own main does, sets that connector's host before it starts, and:
 *
 * <ul>
 *   <li>accepts {@code -port 0} (DynamoDB Local refuses it) and picks a free port without a race;
 *   <li>prints {@code MERIDIAN_DYNAMODB_LOCAL_PORT <port>} on stdout once it accepts connections;
 *   <li>exits when its stdin closes, so it never outlives the process that started it.
 * </ul>
 *
 * Run with the jar's classpath: {@code java -cp DynamoDBLocal.jar:<this class's dir> LoopbackDynamoDbLocal
 * <DynamoDB Local arguments>}. Exit status 2: this DynamoDB Local is not built as expected (the caller may
 * fall back to the plain jar); 3: the server did not start (e.g. the port is taken).
 */
public final class LoopbackDynamoDbLocal {
  private static final String HOST = "127.0.0.1";
  static final String READY = "MERIDIAN_DYNAMODB_LOCAL_PORT ";

  public static void main(String[] args) throws Exception {
    String[] engineArgs = args.clone();
    int port = 8000;
    for (int i = 0; i + 1 < engineArgs.length; i++) {
      if (engineArgs[i].equals("-port")) {
        port = Integer.parseInt(engineArgs[i + 1]);
        // DynamoDB Local refuses 0; any valid number passes its check (the connector gets the real one).
        if (port == 0) engineArgs[i + 1] = "8000";
      }
    }

    // Exit once the parent is gone (its end of the pipe closes), even if it was killed with SIGKILL.
    Thread parentWatch =
        new Thread(
            () -> {
              try {
                while (System.in.read() != -1) {
                  // Nothing is ever sent; read until end of stream.
                }
              } catch (IOException e) {
                // A broken pipe means the same: the parent is gone.
              }
              System.exit(0);
            },
            "meridian-parent-watch");
    parentWatch.setDaemon(true);
    parentWatch.start();

    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(engineArgs);
    ServerConnector connector;
    Server server;
    try {
      Field field = DynamoDBProxyServer.class.getDeclaredField("server");
      field.setAccessible(true);
      server = (Server) field.get(proxy);
      Connector[] connectors = server.getConnectors();
      if (connectors.length != 1 || !(connectors[0] instanceof ServerConnector)) {
        throw new IllegalStateException(connectors.length + " connectors, expected one ServerConnector");
      }
      connector = (ServerConnector) connectors[0];
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("cannot restrict this DynamoDB Local to loopback: " + e);
      System.exit(2);
      return;
    }
    connector.setHost(HOST);
    connector.setPort(port);

    String failure = null;
    try {
      proxy.start();
    } catch (Exception e) {
      Throwable cause = e;
      while (cause.getCause() != null) cause = cause.getCause();
      failure = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }
    // Some failures DynamoDB Local reports on stderr and returns without throwing.
    if (failure != null || !server.isStarted() || connector.getLocalPort() <= 0) {
      System.err.println(
          "could not listen on " + HOST + ":" + port + (failure == null ? "" : " (" + failure + ")"));
      System.exit(3);
    }
    System.out.println(READY + connector.getLocalPort());
    System.out.flush();
    server.join();
  }
}
