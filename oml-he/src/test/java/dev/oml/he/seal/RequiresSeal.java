package dev.oml.he.seal;

import dev.oml.he.seal.internal.SealNative;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Marks a test class that needs the SEAL native library: without it the class is skipped,
 * before any set-up runs, with a message saying how to provide the library.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresSeal.Condition.class)
@interface RequiresSeal {
  /** Enabled when the library loaded; otherwise disabled with the reason. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (SealNative.isAvailable()) {
        return ConditionEvaluationResult.enabled("SEAL native library loaded: "
            + SealNative.describe());
      }
      return ConditionEvaluationResult.disabled(
          "SEAL native library not found: set OML_SEAL_LIBRARY to the full path of libomlseal "
              + "(build native/, see docs/he-backends.md); " + SealNative.unavailableReason());
    }
  }
}
