package lookm.spec.tensor;

/** Modality of one cached position. */
public enum Modality { TEXT, IMAGE }
