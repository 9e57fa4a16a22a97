[description]
s3gate's components of the Jetty server itself (target/s3gate-jetty.jar, outside the webapp):
a deadline for each connection's first complete request head (against slowloris clients, which
send a byte every few seconds and are never idle long enough for the idle timeout). Jetty only:
on Tomcat, the HTTP connector's connectionTimeout plays this part.

[depend]
server

[lib]
${s3gate.server.jar}

[xml]
etc/s3gate-server.xml

[ini]
s3gate.server.jar?=${jetty.base}/../target/s3gate-jetty.jar

[ini-template]
## How long (ms) a new connection (the TLS handshake included) has to send its first complete
## request head before it is closed; 0 = no deadline.
# s3gate.requestHeadTimeout=10000
