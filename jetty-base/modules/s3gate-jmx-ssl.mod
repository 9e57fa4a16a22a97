[description]
TLS for the JMX remote connector and its RMI registry, with the server certificate of the HTTPS
connector (jetty.sslContext.keyStorePath). Clients need the certificate in their trust store:
bin/s3gate-admin --ssl with S3GATE_ADMIN_JAVA_OPTS="-Djavax.net.ssl.trustStore=... -Djavax.net.ssl.trustStorePassword=...",
and JConsole with the same -J-D options. Like jetty-home's jmx-remote-ssl, without copying files into the base.

[depend]
ssl-context
jmx-remote

[xml]
etc/s3gate-jmx-ssl.xml
