package uk.ac.manchester.tornado.api.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Compile-only stand-in for TornadoVM's {@code @Parallel}, with the same fully qualified name,
 * retention and target, so that kernels compile to the same bytecode with or without a
 * TornadoVM SDK. TornadoVM recognises the annotation by its type name in the local variable
 * type annotations; on the plain JVM it has no effect. This class is never packaged.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.LOCAL_VARIABLE, ElementType.TYPE, ElementType.TYPE_USE, ElementType.TYPE_PARAMETER})
public @interface Parallel {
}
