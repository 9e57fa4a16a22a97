package org.s3gate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import org.junit.jupiter.api.Test;

/** The direct path is taken only for Jetty's own, unwrapped response (the rest is DirectBodyWriter's ITs' part). */
class ResponseBodiesTest {
  private static HttpServletResponse foreignResponse() {
    return (HttpServletResponse) Proxy.newProxyInstance(ResponseBodiesTest.class.getClassLoader(),
        new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> {
          if (method.getName().equals("toString")) {
            return "a response of another container";
          }
          throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void writerFor_responseOfAnotherContainer_servletPath() {
    assertThat(ResponseBodies.forContainer().writerFor(foreignResponse(), 1 << 20)).isNull();
  }

  @Test
  void writerFor_wrappedResponseOfAnotherContainer_servletPath() {
    assertThat(ResponseBodies.forContainer().writerFor(new HttpServletResponseWrapper(foreignResponse()), -1)).isNull();
  }
}
