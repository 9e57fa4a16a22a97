package org.s3gate.it;

import java.net.URI;
import java.time.Duration;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** AWS SDK for Java v2 clients (SigV4, path-style) for the integration tests. Static factories only. */
final class S3Clients {
  private S3Clients() {}

  static StaticCredentialsProvider credentials(String accessKey, String secretKey) {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey));
  }

  static S3Client client(String endpoint) {
    return client(endpoint, S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY, RetryMode.STANDARD);
  }

  static S3Client client(String endpoint, String accessKey, String secretKey, RetryMode retryMode) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials(accessKey, secretKey))
        .forcePathStyle(true)
        .httpClientBuilder(ApacheHttpClient.builder().socketTimeout(Duration.ofSeconds(60)))
        .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(retryMode)
            .apiCallTimeout(Duration.ofMinutes(5)).build())
        .build();
  }

  /** A client that never retries, so every failure the gateway lets through is seen. */
  static S3Client noRetries(String endpoint) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY))
        .forcePathStyle(true)
        .httpClientBuilder(ApacheHttpClient.builder().socketTimeout(Duration.ofSeconds(30)))
        .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(DefaultRetryStrategy.doNotRetry())
            .apiCallTimeout(Duration.ofMinutes(1)).build())
        .build();
  }

  static S3Presigner presigner(String endpoint) {
    return S3Presigner.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_EAST_1)
        .credentialsProvider(credentials(S3Backend.ACCESS_KEY, S3Backend.SECRET_KEY))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }
}
