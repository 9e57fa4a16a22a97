[description]
s3gate's connection-rate rejection (Jetty only): a new connection from a client IP that opened more
than ip.limit.connections connections in the last ip.window (conf/gateway.properties) is closed at
accept, before the TLS handshake or any HTTP parsing. The webapp configures it over the platform
MBean s3gate:type=ConnectionLimiter on every configuration it publishes; until then, or with
ip.limit.connections=0, every connection is accepted. On Tomcat there is no such component; the
rest of s3gate works unchanged.

[depend]
s3gate-server

[xml]
etc/s3gate-connection-limit.xml

[ini-template]
## The most client IPs the connection-rate table tracks at once (about 150 bytes each); when it is
## full, connections from IPs it cannot take are accepted untracked (fail open).
# s3gate.connectionLimit.maxTrackedIps=100000
